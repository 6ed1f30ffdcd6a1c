import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { IConstruct } from 'constructs';
import * as perms from '../private/perms';

/**
 * Lets CloudWatch Logs in this Region use `key` for the log groups whose names match `namePatterns`
 * (and no other), through the `aws:logs:arn` encryption context.
 *
 * Keys imported with `Key.fromKeyArn` cannot be changed; their policy must already allow this.
 */
export function allowLogGroupsToUseKey(scope: IConstruct, key: kms.IKey, namePatterns: string[]): void {
  const stack = Stack.of(scope);
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      actions: perms.KMS_FOR_CLOUDWATCH_LOGS,
      resources: ['*'],
      conditions: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': namePatterns.map((n) =>
            stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: n, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
          ),
        },
      },
    }),
  );
}
