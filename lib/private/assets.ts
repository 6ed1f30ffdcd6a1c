import * as cxapi from 'aws-cdk-lib/cx-api';

/** File and image assets a synthesized stack needs, its own template excluded. */
export function assetsOf(artifact: cxapi.CloudFormationStackArtifact): number {
  let count = artifact.assets.length;
  for (const dep of artifact.dependencies) {
    if (dep instanceof cxapi.AssetManifestArtifact) {
      const contents = dep.contents;
      count += Object.values(contents.files ?? {}).filter((f) => f.source.path !== artifact.templateFile).length;
      count += Object.keys(contents.dockerImages ?? {}).length;
    }
  }
  return count;
}
