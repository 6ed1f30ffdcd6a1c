import * as crypto from 'crypto';
import { substituteRefs } from './iam-eval';

/** The account and Region a "deployed" template is imagined in. */
export const DEPLOYED_ACCOUNT = '111122223333';
export const DEPLOYED_REGION = 'us-east-1';

interface TemplateJson {
  readonly Resources: Record<string, { Type: string; Properties?: any }>;
}

const hex = (id: string, length: number) => crypto.createHash('sha256').update(id).digest('hex').slice(0, length);
const uuid = (id: string) => {
  const h = hex(id, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};

/**
 * What a reference of the template would be once deployed: `X` (Ref) or `X.Attr` (Fn::GetAtt),
 * shaped like the real thing (subnet-…, sg-…, vpce-…, KMS key ARNs…) and stable per logical ID,
 * so that a value in a policy and the same value in a SageMaker request compare equal. Throws on
 * a logical ID the template does not have.
 */
export function deployedValue(template: TemplateJson, key: string): string {
  const [id, attr] = key.split('.');
  const resource = template.Resources[id];
  if (!resource) {
    throw new Error(`deployed: no resource ${id} in the template`);
  }
  const type = resource.Type;
  if (attr === undefined || attr === 'GroupId' || attr === 'Id') {
    switch (type) {
      case 'AWS::EC2::Subnet': return `subnet-0${hex(id, 16)}`;
      case 'AWS::EC2::SecurityGroup': return `sg-0${hex(id, 16)}`;
      case 'AWS::EC2::VPCEndpoint': return `vpce-0${hex(id, 16)}`;
      case 'AWS::EC2::VPC': return `vpc-0${hex(id, 16)}`;
      case 'AWS::KMS::Key': return uuid(id);
      case 'AWS::StepFunctions::StateMachine': return `arn:aws:states:${DEPLOYED_REGION}:${DEPLOYED_ACCOUNT}:stateMachine:${id}`;
      default: return resource.Properties?.RoleName ?? resource.Properties?.BucketName ?? `${id.toLowerCase()}-${hex(id, 6)}`;
    }
  }
  if (attr === 'Arn') {
    switch (type) {
      case 'AWS::KMS::Key': return `arn:aws:kms:${DEPLOYED_REGION}:${DEPLOYED_ACCOUNT}:key/${uuid(id)}`;
      case 'AWS::IAM::Role': return `arn:aws:iam::${DEPLOYED_ACCOUNT}:role/${deployedValue(template, id)}`;
      case 'AWS::S3::Bucket': return `arn:aws:s3:::${deployedValue(template, id)}`;
      default: return `arn:aws:${type.split('::')[1].toLowerCase()}:${DEPLOYED_REGION}:${DEPLOYED_ACCOUNT}:${id.toLowerCase()}`;
    }
  }
  return `${id.toLowerCase()}-${attr.toLowerCase()}`;
}

/** `value` with every intrinsic of `template` replaced by its deployed value (see `deployedValue`). */
export function asDeployed(template: TemplateJson, value: unknown): any {
  return substituteRefs(value, (key) => deployedValue(template, key));
}
