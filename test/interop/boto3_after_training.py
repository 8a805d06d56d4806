#!/usr/bin/env python3
"""Acceptance: boto3 (botocore's own copy of the bedrock and bedrock-runtime service models and its own
restJson1 parser) drives every operation that comes after training against the simulator, unchanged:
custom model deployments, Provisioned Throughput, model evaluation jobs, and bedrock-runtime Converse and
InvokeModel. Every response is held to the operation's output shape (botocore's validator) and every
expected error must arrive as its modelled class.

It starts its own simulator (`node bin/finetune.js simulator`, from the repository root, built) and needs
an S3-compatible server at AWS_ENDPOINT_URL_S3 with AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (see
README.md beside this file). It prints `N/N calls ok` and exits 0 when every call did what it should.
"""
import json
import os
import sys
import tempfile
import time
import uuid

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.validate import ParamValidator

from local_stack import s3_with_buckets, start_simulator

REGION = 'us-east-1'
ROLE = 'arn:aws:iam::123456789012:role/BedrockEvaluation'
BASE = 'amazon.nova-micro-v1:0:128k'
JUDGE = 'amazon.nova-pro-v1:0'
DATASETS, OUTPUTS = 'finetune-datasets', 'finetune-outputs'
RUN = uuid.uuid4().hex[:8]

calls = {'ok': 0, 'all': 0}
shape_problems = []


def call(what, fn, error=None):
    """One API call: it must succeed, or fail with `error` (the modelled error code) when one is given."""
    calls['all'] += 1
    try:
        result = fn()
    except ClientError as e:
        code = e.response['Error']['Code']
        if error is not None and code == error:
            calls['ok'] += 1
            print(f'  ok  {what}: {code} ({e.response["ResponseMetadata"]["HTTPStatusCode"]})')
            return e
        raise AssertionError(f'{what}: unexpected {code}: {e}') from e
    if error is not None:
        raise AssertionError(f'{what}: expected {error}, got success')
    calls['ok'] += 1
    print(f'  ok  {what}')
    return result


def check(condition, what):
    if not condition:
        raise AssertionError(what)


def validate_output(http_response, parsed, model, **_):
    if http_response.status_code >= 300 or model.output_shape is None:
        return
    body = {k: v for k, v in parsed.items() if k != 'ResponseMetadata'}
    if model.output_shape.serialization.get('payload'):
        return  # InvokeModel: a streaming blob body
    report = ParamValidator().validate(body, model.output_shape)
    if report.has_errors():
        # The model declares ListEvaluationJobs' jobSummaries as 1-5 items; output constraints are not
        # enforced and an empty list is what an empty account gets (model-lifecycle.md 6.5).
        problems = [p for p in report.generate_report().splitlines()[1:] if 'parameter jobSummaries' not in p]
        if problems:
            shape_problems.append(f'{model.name}: {problems}')


def client(service, endpoint, **config):
    c = boto3.client(service, region_name=REGION, endpoint_url=endpoint, config=Config(**config))
    c.meta.events.register('after-call', validate_output)
    return c


def until(get, done, what, timeout=60):
    deadline = time.time() + timeout
    while True:
        value = get()
        if done(value):
            return value
        if time.time() > deadline:
            raise AssertionError(f'{what}: not reached (last: {value})')
        time.sleep(0.1)


def train(b, s3, tags=()):
    """A Nova Micro custom model (the simulator's own calls; not counted)."""
    lines = '\n'.join(json.dumps({
        'schemaVersion': 'bedrock-conversation-2024',
        'messages': [{'role': 'user', 'content': [{'text': f'Question {i}?'}]},
                     {'role': 'assistant', 'content': [{'text': f'Answer {i}.'}]}],
    }) for i in range(8)) + '\n'
    key = f'boto3-after-training/{RUN}/train.jsonl'
    s3.put_object(Bucket=DATASETS, Key=key, Body=lines.encode())
    name = f'boto3-{RUN}-{uuid.uuid4().hex[:6]}'
    arn = b.create_model_customization_job(
        jobName=name, customModelName=f'{name}-model', roleArn=ROLE, baseModelIdentifier=BASE,
        trainingDataConfig={'s3Uri': f's3://{DATASETS}/{key}'}, outputDataConfig={'s3Uri': f's3://{OUTPUTS}/boto3-after-training/'},
        jobTags=[{'key': 'simulator:time-scale', 'value': '1000000'}, *tags])['jobArn']
    job = until(lambda: b.get_model_customization_job(jobIdentifier=arn), lambda j: j['status'] != 'InProgress', 'trained')
    check(job['status'] == 'Completed', f'training: {job}')
    return job['outputModelArn']


def main():
    s3 = s3_with_buckets(REGION, DATASETS, OUTPUTS)
    state = tempfile.mkdtemp(prefix='boto3-after-training-')
    proc, endpoint = start_simulator('--time-scale', '1000', '--state-file', os.path.join(state, 'state.json'))
    try:
        b = client('bedrock', endpoint)
        rt = client('bedrock-runtime', endpoint, retries={'max_attempts': 1})
        good = train(b, s3, [{'key': 'simulator:eval-score', 'value': '0.8'}])
        other = train(b, s3)
        smoky = train(b, s3, [{'key': 'simulator:outcome', 'value': 'fail-smoke'}])

        print('custom model deployments')
        name = f'boto3-{RUN}-dep'
        token = str(uuid.uuid4())
        # 2.25 s Creating, 1.5 s Updating: room for the calls made meanwhile.
        tags = [{'key': 'team', 'value': 'ml'}, {'key': 'simulator:time-scale', 'value': '200'}]
        created = call('CreateCustomModelDeployment (202)', lambda: b.create_custom_model_deployment(
            modelDeploymentName=name, modelArn=good, clientRequestToken=token, tags=tags))
        check(created['ResponseMetadata']['HTTPStatusCode'] == 202, 'create answers 202')
        dep = created['customModelDeploymentArn']
        again = call('CreateCustomModelDeployment, same token', lambda: b.create_custom_model_deployment(
            modelDeploymentName=name, modelArn=good, clientRequestToken=token, tags=tags))
        check(again['customModelDeploymentArn'] == dep, 'same token, same deployment')
        got = call('GetCustomModelDeployment (Creating)', lambda: b.get_custom_model_deployment(customModelDeploymentIdentifier=dep))
        check(got['status'] == 'Creating' and got['modelDeploymentName'] == name, 'Creating, named')
        call('DeleteCustomModelDeployment while Creating', lambda: b.delete_custom_model_deployment(customModelDeploymentIdentifier=dep), 'ValidationException')
        call('Converse while Creating', lambda: rt.converse(modelId=dep, messages=[{'role': 'user', 'content': [{'text': 'hi'}]}]), 'ModelNotReadyException')
        until(lambda: b.get_custom_model_deployment(customModelDeploymentIdentifier=dep), lambda d: d['status'] == 'Active', 'Active')
        listed = call('ListCustomModelDeployments', lambda: b.list_custom_model_deployments(nameContains=name))
        check(listed['modelDeploymentSummaries'][0]['customModelDeploymentName'] == name, 'summary name member')
        pages = list(b.get_paginator('list_custom_model_deployments').paginate(nameContains=f'boto3-{RUN}', PaginationConfig={'PageSize': 1}))
        check(sum(len(p['modelDeploymentSummaries']) for p in pages) == 1, 'paginator')
        call('ListTagsForResource (deployment)', lambda: b.list_tags_for_resource(resourceARN=dep))

        print('bedrock-runtime')
        answer = call('Converse (deployment)', lambda: rt.converse(
            modelId=dep, messages=[{'role': 'user', 'content': [{'text': 'How do I reset my password?'}]}], inferenceConfig={'maxTokens': 128}))
        text = answer['output']['message']['content'][0]['text']
        check(answer['stopReason'] == 'end_turn' and text.endswith(f'[sim:{good.split("/")[-1]}]'), 'marked answer')
        invoked = call('InvokeModel (deployment, Nova body)', lambda: rt.invoke_model(
            modelId=dep, contentType='application/json', accept='application/json',
            body=json.dumps({'messages': [{'role': 'user', 'content': [{'text': 'How do I reset my password?'}]}]})))
        check(json.loads(invoked['body'].read())['output']['message']['content'][0]['text'] == text, 'InvokeModel = Converse')
        call('Converse (foundation model)', lambda: rt.converse(modelId=JUDGE, messages=[{'role': 'user', 'content': [{'text': 'hi'}]}]))

        print('update, roll back, delete')
        up = call('UpdateCustomModelDeployment (202)', lambda: b.update_custom_model_deployment(customModelDeploymentIdentifier=dep, modelArn=other))
        check(up['ResponseMetadata']['HTTPStatusCode'] == 202, 'update answers 202')
        got = call('GetCustomModelDeployment (Updating)', lambda: b.get_custom_model_deployment(customModelDeploymentIdentifier=dep))
        check(got['status'] == 'Active' and got['updateDetails'] == {'modelArn': other, 'updateStatus': 'Updating'}, 'Updating')
        until(lambda: b.get_custom_model_deployment(customModelDeploymentIdentifier=dep),
              lambda d: d['updateDetails']['updateStatus'] == 'UpdateCompleted' and d['modelArn'] == other, 'UpdateCompleted')
        call('UpdateCustomModelDeployment (roll back)', lambda: b.update_custom_model_deployment(customModelDeploymentIdentifier=dep, modelArn=good))
        until(lambda: b.get_custom_model_deployment(customModelDeploymentIdentifier=dep),
              lambda d: d['updateDetails']['updateStatus'] == 'UpdateCompleted' and d['modelArn'] == good, 'rolled back')
        smoke_dep = b.create_custom_model_deployment(modelDeploymentName=f'boto3-{RUN}-smoke', modelArn=smoky)['customModelDeploymentArn']
        until(lambda: b.get_custom_model_deployment(customModelDeploymentIdentifier=smoke_dep), lambda d: d['status'] == 'Active', 'smoke Active')
        err = call('Converse (fail-smoke model)', lambda: rt.converse(modelId=smoke_dep, messages=[{'role': 'user', 'content': [{'text': 'hi'}]}]), 'ModelErrorException')
        check(err.response['ResponseMetadata']['HTTPStatusCode'] == 424, 'ModelError 424')

        print('Provisioned Throughput')
        pt_name = f'boto3-{RUN}-pt'
        pt = call('CreateProvisionedModelThroughput (201)', lambda: b.create_provisioned_model_throughput(
            provisionedModelName=pt_name, modelId=good, modelUnits=1))
        check(pt['ResponseMetadata']['HTTPStatusCode'] == 201, 'create answers 201')
        pt_arn = pt['provisionedModelArn']
        call('GetProvisionedModelThroughput', lambda: b.get_provisioned_model_throughput(provisionedModelId=pt_arn))
        until(lambda: b.get_provisioned_model_throughput(provisionedModelId=pt_arn), lambda t: t['status'] == 'InService', 'InService')
        call('Converse (Provisioned Throughput)', lambda: rt.converse(modelId=pt_arn, messages=[{'role': 'user', 'content': [{'text': 'hi'}]}]))
        call('UpdateProvisionedModelThroughput', lambda: b.update_provisioned_model_throughput(provisionedModelId=pt_arn, desiredModelId=other))
        got = call('GetProvisionedModelThroughput (Updating)', lambda: b.get_provisioned_model_throughput(provisionedModelId=pt_name))
        check(got['status'] == 'Updating' and got['modelArn'] == good and got['desiredModelArn'] == other, 'Updating')
        until(lambda: b.get_provisioned_model_throughput(provisionedModelId=pt_arn),
              lambda t: t['status'] == 'InService' and t['modelArn'] == t['desiredModelArn'] == other, 'updated')
        call('ListProvisionedModelThroughputs', lambda: b.list_provisioned_model_throughputs(nameContains=pt_name))
        call('CreateProvisionedModelThroughput beyond the MU quota', lambda: b.create_provisioned_model_throughput(
            provisionedModelName=f'{pt_name}-2', modelId=good, modelUnits=2), 'ServiceQuotaExceededException')
        call('DeleteProvisionedModelThroughput', lambda: b.delete_provisioned_model_throughput(provisionedModelId=pt_arn))
        call('GetProvisionedModelThroughput (deleted)', lambda: b.get_provisioned_model_throughput(provisionedModelId=pt_arn), 'ResourceNotFoundException')

        print('evaluation jobs')
        prompts = [f'Question {i}: how do I reset device {i}?' for i in range(5)]
        lines = []
        for p in prompts:
            r = rt.converse(modelId=dep, messages=[{'role': 'user', 'content': [{'text': p}]}])
            lines.append(json.dumps({'prompt': p, 'referenceResponse': 'Open settings.', 'modelResponses': [
                {'response': r['output']['message']['content'][0]['text'], 'modelIdentifier': 'candidate'}]}))
        key = f'boto3-after-training/{RUN}/eval.jsonl'
        s3.put_object(Bucket=DATASETS, Key=key, Body=('\n'.join(lines) + '\n').encode())

        def job(job_name, tags=()):
            return dict(
                jobName=job_name, roleArn=ROLE, jobTags=list(tags),
                evaluationConfig={'automated': {
                    'datasetMetricConfigs': [{'taskType': 'General', 'dataset': {'name': 'support', 'datasetLocation': {'s3Uri': f's3://{DATASETS}/{key}'}},
                                              'metricNames': ['Builtin.Correctness', 'Builtin.Helpfulness']}],
                    'evaluatorModelConfig': {'bedrockEvaluatorModels': [{'modelIdentifier': JUDGE}]}}},
                inferenceConfig={'models': [{'precomputedInferenceSource': {'inferenceSourceIdentifier': 'candidate'}}]},
                outputDataConfig={'s3Uri': f's3://{OUTPUTS}/boto3-after-training/'})

        eval_name = f'boto3-{RUN}-eval'
        ev = call('CreateEvaluationJob (202)', lambda: b.create_evaluation_job(**job(eval_name)))
        check(ev['ResponseMetadata']['HTTPStatusCode'] == 202, 'create answers 202')
        call('CreateEvaluationJob, same name', lambda: b.create_evaluation_job(**job(eval_name)), 'ConflictException')
        call('GetEvaluationJob', lambda: b.get_evaluation_job(jobIdentifier=ev['jobArn']))
        done = until(lambda: b.get_evaluation_job(jobIdentifier=ev['jobArn']), lambda j: j['status'] != 'InProgress', 'evaluated')
        check(done['status'] == 'Completed', f'Completed: {done.get("failureMessages")}')
        listed = call('ListEvaluationJobs', lambda: b.list_evaluation_jobs(nameContains=eval_name))
        check(listed['jobSummaries'][0]['status'] == 'Completed', 'listed Completed')
        objects = s3.list_objects_v2(Bucket=OUTPUTS, Prefix=f'boto3-after-training/{eval_name}/')['Contents']
        results = [o['Key'] for o in objects if o['Key'].endswith('_output.jsonl')]
        check(len(results) == 1, 'one results file')
        scores = [s['result'] for line in s3.get_object(Bucket=OUTPUTS, Key=results[0])['Body'].read().decode().splitlines()
                  for s in json.loads(line)['automatedEvaluationResult']['scores']]
        check(abs(sum(scores) / len(scores) - 0.8) < 0.03, f'scores centred on 0.8: {scores}')
        slow = call('CreateEvaluationJob (slow)', lambda: b.create_evaluation_job(**job(f'{eval_name}-slow', [{'key': 'simulator:time-scale', 'value': '20'}])))
        call('BatchDeleteEvaluationJob (running: a per-job error)', lambda: b.batch_delete_evaluation_job(jobIdentifiers=[slow['jobArn']]))
        call('StopEvaluationJob', lambda: b.stop_evaluation_job(jobIdentifier=slow['jobArn']))
        until(lambda: b.get_evaluation_job(jobIdentifier=slow['jobArn']), lambda j: j['status'] == 'Stopped', 'Stopped')
        call('StopEvaluationJob (Stopped)', lambda: b.stop_evaluation_job(jobIdentifier=slow['jobArn']), 'ConflictException')
        deleted = call('BatchDeleteEvaluationJob (202)', lambda: b.batch_delete_evaluation_job(jobIdentifiers=[ev['jobArn'], slow['jobArn']]))
        check(deleted['ResponseMetadata']['HTTPStatusCode'] == 202 and [j['jobStatus'] for j in deleted['evaluationJobs']] == ['Deleting', 'Deleting'], 'Deleting')
        until(lambda: b.list_evaluation_jobs(nameContains=eval_name)['jobSummaries'], lambda s: s == [], 'deleted')

        print('tear down')
        call('DeleteCustomModelDeployment', lambda: b.delete_custom_model_deployment(customModelDeploymentIdentifier=dep))
        call('GetCustomModelDeployment (deleted)', lambda: b.get_custom_model_deployment(customModelDeploymentIdentifier=dep), 'ResourceNotFoundException')
        call('Converse (deleted deployment)', lambda: rt.converse(modelId=dep, messages=[{'role': 'user', 'content': [{'text': 'hi'}]}]), 'ResourceNotFoundException')
    finally:
        proc.terminate()
        proc.wait(timeout=10)

    if shape_problems:
        print('\n'.join(shape_problems))
        raise AssertionError(f'{len(shape_problems)} responses do not fit their output shapes')
    print(f'{calls["ok"]}/{calls["all"]} calls ok')


if __name__ == '__main__':
    try:
        main()
    except AssertionError as e:
        print(f'FAILED: {e}')
        print(f'{calls["ok"]}/{calls["all"]} calls ok')
        sys.exit(1)
