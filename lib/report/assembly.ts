import * as fs from 'fs';
import * as path from 'path';
import { CfnTemplate, CfnTemplateResource } from '../nag/controls/template';

/** A CloudFormation template as read from the cloud assembly (the controls' template type). */
export type Template = CfnTemplate;

/** One resource of a template. */
export type TemplateResource = CfnTemplateResource;

/** A synth-time message (warning/error) attached to a construct path. */
export interface AssemblyMessage {
  readonly level: 'warning' | 'error';
  readonly path: string;
  readonly message: string;
}

/** One stack of the assembly. */
export interface AssemblyStack {
  readonly name: string;
  readonly template: Template;
  readonly messages: AssemblyMessage[];
}

/** Thrown for a missing or unreadable assembly; the CLI turns it into exit code 2. */
export class AssemblyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AssemblyError';
  }
}

/**
 * Reads the stacks of a cloud assembly directory (manifest.json → each stack's template file and
 * metadata). Nested assemblies (stages) are followed one level deep per `cdk:cloud-assembly` artifact.
 */
export function readAssembly(dir: string): AssemblyStack[] {
  const manifestFile = path.join(dir, 'manifest.json');
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new AssemblyError(`'${dir}' is not a directory: pass the cloud assembly directory written by 'cdk synth' (usually cdk.out)`);
  }
  if (!fs.existsSync(manifestFile)) {
    throw new AssemblyError(`'${dir}' has no manifest.json: pass the cloud assembly directory written by 'cdk synth' (usually cdk.out)`);
  }
  const manifest = readJson(manifestFile);
  const stacks: AssemblyStack[] = [];
  for (const [id, artifact] of Object.entries<any>(manifest.artifacts ?? {})) {
    if (artifact.type === 'cdk:cloud-assembly' && artifact.properties?.directoryName) {
      stacks.push(...readAssembly(path.join(dir, artifact.properties.directoryName)));
      continue;
    }
    if (artifact.type !== 'aws:cloudformation:stack') continue;
    const templateFile = artifact.properties?.templateFile;
    if (!templateFile) continue;
    const template = readJson(path.join(dir, templateFile)) as Template;
    const metadata: Record<string, any[]> = { ...(artifact.metadata ?? {}) };
    if (artifact.additionalMetadataFile && fs.existsSync(path.join(dir, artifact.additionalMetadataFile))) {
      Object.assign(metadata, readJson(path.join(dir, artifact.additionalMetadataFile)));
    }
    const messages: AssemblyMessage[] = [];
    for (const [p, entries] of Object.entries(metadata)) {
      for (const e of entries ?? []) {
        if (e.type === 'aws:cdk:warning' || e.type === 'aws:cdk:error') {
          messages.push({ level: e.type === 'aws:cdk:warning' ? 'warning' : 'error', path: p, message: String(e.data) });
        }
      }
    }
    stacks.push({ name: artifact.displayName ?? id, template, messages });
  }
  return stacks;
}

function readJson(file: string): any {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf-8'));
  } catch (e) {
    throw new AssemblyError(`cannot read ${file}: ${(e as Error).message}`);
  }
}
