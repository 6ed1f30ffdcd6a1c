import { requestMembers, requestProblems } from '../helpers/sagemaker-api';

describe('the SageMaker API model checker (aws-sdk JSON model)', () => {
  test('reads the operations the Step Functions tasks call', () => {
    expect(requestMembers('CreateProcessingJob')).toEqual(expect.arrayContaining(['ProcessingJobName', 'NetworkConfig', 'ProcessingResources']));
    expect(requestMembers('UpdateEndpoint', ['DeploymentConfig'])).toEqual(expect.arrayContaining(['BlueGreenUpdatePolicy', 'AutoRollbackConfiguration']));
  });

  test('rejects unknown members, missing required members and wrong types', () => {
    expect(requestProblems('UpdateEndpoint', { EndpointName: 'e', EndpointConfigName: 'c' })).toEqual([]);
    expect(requestProblems('UpdateEndpoint', { EndpointName: 'e' })).toEqual(['UpdateEndpoint.EndpointConfigName: required member missing']);
    expect(requestProblems('UpdateEndpoint', { EndpointName: 'e', EndpointConfigName: 'c', DeploymentConfg: {} })[0]).toMatch(/DeploymentConfg: not a member/);
    expect(requestProblems('UpdateEndpoint', { EndpointName: 'e', EndpointConfigName: 'c', RetainAllVariantProperties: 'yes' })[0]).toMatch(/expected a boolean/);
    expect(requestProblems('CreateTrainingJob', {
      'TrainingJobName.$': '$.name',
      'AlgorithmSpecification': { TrainingInputMode: 'File' },
      'RoleArn': { 'Fn::GetAtt': ['R', 'Arn'] },
      'OutputDataConfig': { S3OutputPath: 's3://b/p' },
      'ResourceConfig': { InstanceCount: '1', VolumeSizeInGB: 30 },
      'StoppingCondition': {},
    })).toEqual(['CreateTrainingJob.ResourceConfig.InstanceCount: expected a number, got "1"']);
  });
});
