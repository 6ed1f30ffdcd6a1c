import { conditionMatches, evaluate, PolicyJson, substituteRefs } from '../helpers/iam-eval';

const req = (context: Record<string, string | string[]>) => ({ action: 'sagemaker:CreateTrainingJob', context });

describe('iam-eval (textbook cases from the IAM User Guide)', () => {
  test('explicit deny beats allow; no statement means implicit deny', () => {
    const policies: PolicyJson[] = [{
      Statement: [
        { Effect: 'Allow', Action: '*', Resource: '*' },
        { Sid: 'D', Effect: 'Deny', Action: 'sagemaker:Create*', Resource: '*' },
      ],
    }];
    expect(evaluate(policies, { action: 'sagemaker:CreateModel' })).toBe('ExplicitDeny');
    expect(evaluate(policies, { action: 'SageMaker:DescribeModel' })).toBe('Allow');
    expect(evaluate([{ Statement: [] }], { action: 's3:GetObject' })).toBe('ImplicitDeny');
  });

  test('Resource and NotAction wildcards', () => {
    const policies: PolicyJson[] = [{ Statement: { Effect: 'Deny', NotAction: 's3:Get*', Resource: 'arn:aws:s3:::b/*' } }];
    expect(evaluate(policies, { action: 's3:PutObject', resource: 'arn:aws:s3:::b/k' })).toBe('ExplicitDeny');
    expect(evaluate(policies, { action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' })).toBe('ImplicitDeny');
    expect(evaluate(policies, { action: 's3:PutObject', resource: 'arn:aws:s3:::other/k' })).toBe('ImplicitDeny');
  });

  test('missing keys: negated operators and IfExists match, positive operators do not, Null tests presence', () => {
    expect(conditionMatches('StringNotEquals', 'k', ['a'], req({}))).toBe(true);
    expect(conditionMatches('StringEquals', 'k', ['a'], req({}))).toBe(false);
    expect(conditionMatches('ArnNotEquals', 'k', ['arn:aws:kms:r:1:key/x'], req({}))).toBe(true);
    expect(conditionMatches('BoolIfExists', 'k', ['false'], req({}))).toBe(true);
    expect(conditionMatches('Bool', 'k', ['false'], req({}))).toBe(false);
    expect(conditionMatches('NumericGreaterThan', 'k', ['5'], req({}))).toBe(false);
    expect(conditionMatches('NotIpAddressIfExists', 'aws:SourceIp', ['192.0.2.0/24'], req({}))).toBe(true);
    expect(conditionMatches('Null', 'k', ['true'], req({}))).toBe(true);
    expect(conditionMatches('Null', 'k', ['false'], req({ k: 'v' }))).toBe(true);
    expect(conditionMatches('Null', 'k', ['true'], req({ k: [] }))).toBe(true);
  });

  test('set operators: ForAllValues is vacuously true on a missing key, ForAnyValue false', () => {
    expect(conditionMatches('ForAllValues:StringEquals', 'k', ['a'], req({}))).toBe(true);
    expect(conditionMatches('ForAnyValue:StringEquals', 'k', ['a'], req({}))).toBe(false);
    expect(conditionMatches('ForAnyValue:StringNotEquals', 'k', ['a', 'b'], req({ k: ['a', 'c'] }))).toBe(true);
    expect(conditionMatches('ForAnyValue:StringNotEquals', 'k', ['a', 'b'], req({ k: ['a', 'b'] }))).toBe(false);
    expect(conditionMatches('ForAllValues:StringLike', 'k', ['ml.m5.*'], req({ k: ['ml.m5.large', 'ml.m5.xlarge'] }))).toBe(true);
    expect(conditionMatches('ForAllValues:StringLike', 'k', ['ml.m5.*'], req({ k: ['ml.m5.large', 'ml.p3.2xlarge'] }))).toBe(false);
    expect(conditionMatches('ForAnyValue:StringNotLike', 'k', ['ml.m5.*'], req({ k: ['ml.m5.large', 'ml.p3.2xlarge'] }))).toBe(true);
    expect(() => conditionMatches('StringEquals', 'k', ['a'], req({ k: ['a', 'b'] }))).toThrow(/multi-valued/);
  });

  test('values of one key are ORed; keys and operators are ANDed', () => {
    const policies: PolicyJson[] = [{
      Statement: {
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: {
          StringEquals: { a: ['1', '2'], b: '3' }, NumericLessThan: { n: '10' },
        },
      },
    }];
    expect(evaluate(policies, req({ a: '2', b: '3', n: '9' }))).toBe('ExplicitDeny');
    expect(evaluate(policies, req({ a: '2', b: '4', n: '9' }))).toBe('ImplicitDeny');
    expect(evaluate(policies, req({ a: '2', b: '3', n: '10' }))).toBe('ImplicitDeny');
  });

  test('IpAddress, StringLike and ArnLike wildcards', () => {
    expect(conditionMatches('IpAddress', 'aws:SourceIp', ['203.0.113.0/24'], req({ 'aws:SourceIp': '203.0.113.200' }))).toBe(true);
    expect(conditionMatches('IpAddress', 'aws:SourceIp', ['203.0.113.0/24'], req({ 'aws:SourceIp': '203.0.114.1' }))).toBe(false);
    expect(conditionMatches('NotIpAddress', 'aws:SourceIp', ['203.0.113.0/24'], req({ 'aws:SourceIp': '203.0.114.1' }))).toBe(true);
    expect(conditionMatches('StringLike', 'k', ['ml.?5.*'], req({ k: 'ml.m5.large' }))).toBe(true);
    expect(conditionMatches('ArnLike', 'k', ['arn:aws:kms:*:111122223333:key/*'], req({ k: 'arn:aws:kms:eu-west-1:111122223333:key/abc' }))).toBe(true);
    expect(conditionMatches('ArnNotLike', 'k', ['arn:aws:kms:*:111122223333:key/*'], req({ k: 'arn:aws:kms:eu-west-1:999999999999:key/abc' }))).toBe(true);
  });

  test('policy variables are filled in from the request (the IAM User Guide\'s per-user prefix example); a missing key matches nothing', () => {
    const policies: PolicyJson[] = [{
      Statement: [
        { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/home/${aws:PrincipalTag/team}/*' },
        { Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::b', Condition: { StringLike: { 's3:prefix': 'home/${aws:PrincipalTag/team}/*' } } },
        { Effect: 'Allow', Action: 'sagemaker:StopTrainingJob', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/team': '${aws:PrincipalTag/team}' } } },
      ],
    }];
    const as = (team: string | undefined, action: string, resource: string, context: Record<string, string> = {}) =>
      evaluate(policies, { action, resource, context: { ...context, ...(team === undefined ? {} : { 'aws:PrincipalTag/team': team }) } });
    expect(as('a', 's3:GetObject', 'arn:aws:s3:::b/home/a/x')).toBe('Allow');
    expect(as('a', 's3:GetObject', 'arn:aws:s3:::b/home/b/x')).toBe('ImplicitDeny');
    expect(as(undefined, 's3:GetObject', 'arn:aws:s3:::b/home/a/x')).toBe('ImplicitDeny');
    expect(as(undefined, 's3:GetObject', 'arn:aws:s3:::b/home//x')).toBe('ImplicitDeny');
    // A filled-in value is literal: a tag value '*' is not a wildcard.
    expect(as('*', 's3:GetObject', 'arn:aws:s3:::b/home/a/x')).toBe('ImplicitDeny');
    expect(as('a', 's3:ListBucket', 'arn:aws:s3:::b', { 's3:prefix': 'home/a/' })).toBe('Allow');
    expect(as('a', 's3:ListBucket', 'arn:aws:s3:::b', { 's3:prefix': 'home/b/' })).toBe('ImplicitDeny');
    expect(as('a', 'sagemaker:StopTrainingJob', 'arn:aws:sagemaker:us-east-1:1:training-job/j', { 'aws:ResourceTag/team': 'a' })).toBe('Allow');
    expect(as('a', 'sagemaker:StopTrainingJob', 'arn:aws:sagemaker:us-east-1:1:training-job/j', { 'aws:ResourceTag/team': 'b' })).toBe('ImplicitDeny');
    expect(as(undefined, 'sagemaker:StopTrainingJob', 'arn:aws:sagemaker:us-east-1:1:training-job/j', { 'aws:ResourceTag/team': 'a' })).toBe('ImplicitDeny');
    // ${*} is a literal asterisk.
    expect(evaluate([{ Statement: { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/${*}' } }], { action: 's3:GetObject', resource: 'arn:aws:s3:::b/x' })).toBe('ImplicitDeny');
    expect(evaluate([{ Statement: { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/${*}' } }], { action: 's3:GetObject', resource: 'arn:aws:s3:::b/*' })).toBe('Allow');
  });

  test('substituteRefs resolves Ref, GetAtt, Join and pseudo parameters, and refuses unknown references', () => {
    expect(substituteRefs({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':', { 'Fn::GetAtt': ['K', 'Arn'] }, { Ref: 'S' }]] },
      { 'K.Arn': 'x', 'S': 'y' })).toBe('arn:aws:xy');
    expect(() => substituteRefs({ Ref: 'Nope' }, {})).toThrow(/Nope/);
  });

  test('substituteRefs resolves the string form of Fn::Sub, and refuses unknown names in it', () => {
    expect(substituteRefs({ 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${R}-${K.Arn}' }, { 'R': 'r', 'K.Arn': 'k' }))
      .toBe('arn:aws:iam::111122223333:role/r-k');
    expect(() => substituteRefs({ 'Fn::Sub': '${Nope}' }, {})).toThrow(/Nope/);
    expect(() => substituteRefs({ 'Fn::Sub': ['${X}', { X: 'y' }] }, {})).toThrow(/unsupported intrinsic Fn::Sub/);
  });
});
