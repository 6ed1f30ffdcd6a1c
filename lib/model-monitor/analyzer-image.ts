import { Aws, CfnMapping, Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { validationError } from '../private/errors';

/** The repository of SageMaker's prebuilt Model Monitor container in every Region's registry. */
export const ANALYZER_REPOSITORY = 'sagemaker-model-monitor-analyzer';

/**
 * The AWS account whose ECR registry serves `sagemaker-model-monitor-analyzer` in each Region
 * ("Amazon SageMaker Model Monitor prebuilt container" and "Docker Registry Paths and Example
 * Code", Amazon SageMaker AI Developer Guide; the same table as the SageMaker Python SDK's
 * `image_uri_config/model-monitor.json`). The image is pulled by SageMaker, not by the job's role.
 */
export const ANALYZER_ACCOUNTS: Record<string, string> = {
  'af-south-1': '875698925577',
  'ap-east-1': '001633400207',
  'ap-northeast-1': '574779866223',
  'ap-northeast-2': '709848358524',
  'ap-northeast-3': '990339680094',
  'ap-south-1': '126357580389',
  'ap-southeast-1': '245545462676',
  'ap-southeast-2': '563025443158',
  'ap-southeast-3': '669540362728',
  'ca-central-1': '536280801234',
  'cn-north-1': '453000072557',
  'cn-northwest-1': '453252182341',
  'eu-central-1': '048819808253',
  'eu-central-2': '590183933784',
  'eu-north-1': '895015795356',
  'eu-south-1': '933208885752',
  'eu-south-2': '437450045455',
  'eu-west-1': '468650794304',
  'eu-west-2': '749857270468',
  'eu-west-3': '680080141114',
  'il-central-1': '843974653677',
  'me-central-1': '588750061953',
  'me-south-1': '607024016150',
  'sa-east-1': '539772159869',
  'us-east-1': '156813124566',
  'us-east-2': '777275614652',
  'us-isof-east-1': '853188333426',
  'us-isof-south-1': '467912361380',
  'us-west-1': '890145073186',
  'us-west-2': '159807026194',
};

/** The stack-level mapping for stacks whose Region is known only at deployment (one per stack). */
const MAPPING_ID = 'SecureSageMakerModelMonitorAnalyzerAccounts';

/** The DNS suffix of ECR in a concrete Region's partition. */
function urlSuffix(region: string): string {
  if (region.startsWith('cn-')) return 'amazonaws.com.cn';
  if (region.startsWith('us-isof-')) return 'csp.hci.ic.gov';
  return 'amazonaws.com';
}

/**
 * The URI of the Model Monitor analyzer image in the Region of `scope`'s stack: a literal for a
 * concrete Region (an unknown Region throws), an `Fn::FindInMap` on a mapping of every Region
 * above for an environment-agnostic stack (which then deploys only to those Regions).
 */
export function analyzerImageUri(scope: IConstruct): string {
  const stack = Stack.of(scope);
  const region = stack.region;
  if (!Token.isUnresolved(region)) {
    const account = ANALYZER_ACCOUNTS[region];
    if (!account) {
      throw validationError(scope, 'ModelMonitorRegionUnknown',
        `the stack's Region '${region}' has no known Amazon SageMaker Model Monitor analyzer image (sagemaker-model-monitor-analyzer is published in ${Object.keys(ANALYZER_ACCOUNTS).join(', ')}). Deploy the monitor in one of those Regions, or set the stack's \`env\` to one.`);
    }
    return `${account}.dkr.ecr.${region}.${urlSuffix(region)}/${ANALYZER_REPOSITORY}`;
  }
  const mapping = (stack.node.tryFindChild(MAPPING_ID) as CfnMapping | undefined)
    ?? new CfnMapping(stack, MAPPING_ID, {
      mapping: Object.fromEntries(Object.entries(ANALYZER_ACCOUNTS).map(([r, account]) => [r, { account }])),
    });
  return `${mapping.findInMap(Aws.REGION, 'account')}.dkr.ecr.${Aws.REGION}.${Aws.URL_SUFFIX}/${ANALYZER_REPOSITORY}`;
}
