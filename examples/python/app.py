#!/usr/bin/env python3
"""The main example in Python: a secure SageMaker platform in one stack.

The same app as ``examples/secure-ml-platform.ts``. ``cdk synth`` (with the ``cdk.json`` beside
this file) runs it with every compliance pack registered; any unacknowledged finding (cdk-nag
AwsSolutions, HIPAA Security, NIST 800-53 R5, PCI DSS 3.2.1, SageMakerSecurity, or CloudFormation
Validate) fails the synth. The reviewer report is a separate step on the synthesized templates:
``cdk-secure-sagemaker report cdk.out`` (see README.md beside this file).
"""
from typing import Any

from aws_cdk import App, Duration, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

from cdk_secure_sagemaker import (
    DataAccess,
    EndpointAutoScalingOptions,
    EndpointImage,
    EndpointModel,
    ModelData,
    NotebookDataAccess,
    SageMakerCompliance,
    SageMakerEndpointService,
    SageMakerEnvironment,
    SageMakerGuardrails,
    SageMakerSecurityMonitoring,
    SageMakerWorkloadRole,
    SecureEndpoint,
    SecureNotebook,
    SecureStudioDomain,
    SecureTrainingJob,
    TrainingImage,
    TrainingInput,
)


class SecureMlPlatformStack(Stack):
    """The platform team's stack: the shared environment and what data scientists get."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)

        # The shared foundation.
        self.platform = SageMakerEnvironment(self, "Environment", environment_name="ml-platform")
        # The SageMaker API interface endpoint of the environment's VPC: presigned URLs are opened through it.
        sagemaker_api = self.platform.network.endpoint_for(SageMakerEndpointService.SAGEMAKER_API)
        if sagemaker_api is None:
            raise ValueError("the environment's network has no SageMaker API endpoint")

        # A pipeline role that may read the curated datasets and write models, and nothing else.
        # Its permissions live in a customer-managed policy of its own (no inline policies).
        pipeline_role = SageMakerWorkloadRole(
            self,
            "PipelineRole",
            description="Example workload role: reads datasets/curated/, writes models/",
        )
        self.platform.data_bucket.grant_read(pipeline_role, "datasets/curated/")
        self.platform.artifacts_bucket.grant_read_write(pipeline_role, "models/")

        # Training runs as Step Functions executions: isolated, encrypted, bounded; the pipeline role may start them.
        training = SecureTrainingJob(
            self,
            "ChurnTraining",
            environment=self.platform,
            job_name_prefix="churn",
            image=TrainingImage.from_deep_learning_container(
                f"763104351884.dkr.ecr.{self.region}.amazonaws.com/pytorch-training:2.3.0-cpu-py311"
            ),
            inputs=[
                TrainingInput(channel_name="train", bucket=self.platform.data_bucket, prefix="datasets/curated/"),
            ],
            output_prefix="models/churn/",
            hyperparameters={"epochs": "10"},
            max_runtime=Duration.hours(6),
        )
        training.grant_start_execution(pipeline_role)

        # A data scientist's notebook: reads the curated datasets, writes features; stops when idle.
        notebook = SecureNotebook(
            self,
            "ExploreNotebook",
            environment=self.platform,
            notebook_name="team-a-explore",
            data_access=[
                NotebookDataAccess(bucket=self.platform.data_bucket, prefix="datasets/curated/"),
                NotebookDataAccess(
                    bucket=self.platform.artifacts_bucket,
                    prefix="features/team-a/",
                    access=DataAccess.READ_WRITE,
                ),
            ],
        )

        # The data scientist may open that notebook, and only that one.
        data_scientist = SageMakerWorkloadRole(
            self,
            "DataScientistRole",
            assumed_by=iam.AccountRootPrincipal(),
            description="Example human role: may open the team-a-explore notebook",
        )
        notebook.grant_presigned_url(data_scientist, vpc_endpoints=[sagemaker_api])

        # A real-time endpoint serving the churn model: private, encrypted, 2 instances, data capture, alarms.
        churn_endpoint = SecureEndpoint(
            self,
            "ChurnEndpoint",
            environment=self.platform,
            endpoint_name="team-a-churn",
            model=EndpointModel(
                image=EndpointImage.from_dlc(
                    f"763104351884.dkr.ecr.{self.region}.amazonaws.com/sklearn-inference:1.2-1-cpu-py3"
                ),
                model_data=ModelData.from_bucket(self.platform.artifacts_bucket, "models/churn/v1/model.tar.gz"),
            ),
            auto_scaling=EndpointAutoScalingOptions(max_capacity=4, target_invocations_per_instance=200),
        )
        # The data scientist may invoke that endpoint, and only through the VPC's sagemaker.runtime endpoint.
        churn_endpoint.grant_invoke_with_options(data_scientist, vpc_endpoints=[churn_endpoint.runtime_vpc_endpoint])

        # A VpcOnly Studio domain with two users, each with an own, audited role.
        studio = SecureStudioDomain(self, "Studio", environment=self.platform, domain_name="ml-platform")
        alice = studio.add_user_profile("alice")
        studio.add_user_profile("bob")
        # Opens Studio as alice, only through the VPC's SageMaker API endpoint.
        studio_launcher = SageMakerWorkloadRole(
            self,
            "StudioLauncher",
            assumed_by=iam.AccountRootPrincipal(),
            description="Example human role: opens Studio as alice from inside the VPC",
        )
        studio.grant_presigned_domain_url(studio_launcher, alice, vpc_endpoints=[sagemaker_api])

        # Preventive controls: deny insecure SageMaker requests (unencrypted, outside the VPC, wrong
        # instance types, presigned URLs from outside the VPC...) for every role of this stack: the
        # library's workload and job roles, the Step Functions role that starts training jobs, and
        # the humans of the platform. Each construct's own requests pass.
        guardrails = SageMakerGuardrails(
            self,
            "Guardrails",
            environment=self.platform,
            # Each workload's security groups (and those of the jobs it starts) join the allowlist.
            workloads=[notebook, training, churn_endpoint, studio],
            presigned_url_vpc_endpoint_ids=[sagemaker_api.vpc_endpoint_id],
        )
        guardrails.attach_to_roles_in(self)
        # Human roles also get the guardrails as permissions boundary: nothing granted later can exceed it.
        for role in [data_scientist, studio_launcher]:
            guardrails.apply_permissions_boundary_to(role)

        # Detective controls: the incident playbook's API calls by threat category, an encrypted trail
        # with S3 data events, and AWS Config rules for SageMaker.
        SageMakerSecurityMonitoring(
            self,
            "SecurityMonitoring",
            environment=self.platform,
            watched_roles=[pipeline_role, notebook.job_role],
            watched_workloads=[notebook, training, churn_endpoint],
            trail=True,
            config_rules=True,
            alert_emails=["secops@example.com"],
        )


def build_app(app: App) -> App:
    """Adds the example to `app`: the stack, with every compliance pack registered."""
    SecureMlPlatformStack(
        app,
        "SecureMlPlatform",
        description="cdk-secure-sagemaker example: isolated SageMaker environment",
    )
    SageMakerCompliance.apply_to(app)
    return app


if __name__ == "__main__":
    # Synthesize: every pack runs, and a finding fails here.
    build_app(App()).synth()
