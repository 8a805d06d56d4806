#!/usr/bin/env python3
"""Acceptance: boto3 (botocore's own copy of the Bedrock service model, a different SDK from the
project's) drives the whole model-customization lifecycle against the simulator and checks that every
response parses and every error arrives as its modelled class.

It starts its own simulators (`node bin/finetune.js simulator`, from the repository root, built) and
needs an S3-compatible server at AWS_ENDPOINT_URL_S3 with AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.
See README.md beside this file. Exit code 0 when every check passed.
"""
import gzip
import json
import os
import sys
import tempfile
import time
import uuid

import boto3
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.validate import ParamValidator

from local_stack import s3_with_buckets, start_simulator

REGION = 'us-east-1'
ROLE = 'arn:aws:iam::123456789012:role/BedrockFineTuning'
BASE = 'amazon.titan-text-express-v1:0:8k'
DATASETS, OUTPUTS = 'finetune-datasets', 'finetune-outputs'
RUN = uuid.uuid4().hex[:8]
checks = 0


def check(condition, what):
    global checks
    if not condition:
        raise AssertionError(what)
    checks += 1
    print(f'  ok  {what}')


shape_problems = []


def validate_output(http_response, parsed, model, **_):
    """Holds every successful response to the output shape of the service model: required members,
    member types, enums' string type, list and map element shapes (botocore's own validator)."""
    if http_response.status_code >= 300 or model.output_shape is None:
        return
    body = {k: v for k, v in parsed.items() if k != 'ResponseMetadata'}
    report = ParamValidator().validate(body, model.output_shape)
    if report.has_errors():
        shape_problems.append(f'{model.name}: {report.generate_report()}')


def bedrock(endpoint, **config):
    client = boto3.client('bedrock', region_name=REGION, endpoint_url=endpoint, config=Config(**config))
    client.meta.events.register('after-call.bedrock', validate_output)
    return client


def error_code(call):
    try:
        call()
    except ClientError as e:
        return e.response['Error']['Code'], e.response['ResponseMetadata']['HTTPStatusCode'], e
    raise AssertionError('expected an error')


def wait(client, job, statuses=('Completed', 'Failed', 'Stopped'), timeout=60):
    deadline = time.time() + timeout
    while True:
        got = client.get_model_customization_job(jobIdentifier=job)
        if got['status'] in statuses:
            return got
        if time.time() > deadline:
            raise AssertionError(f'{job} still {got["status"]}')
        time.sleep(0.2)


def request(training_uri, **overrides):
    name = f'boto3-{RUN}-{uuid.uuid4().hex[:6]}'
    body = dict(
        jobName=name, customModelName=f'{name}-model', roleArn=ROLE, baseModelIdentifier=BASE,
        trainingDataConfig={'s3Uri': training_uri},
        outputDataConfig={'s3Uri': f's3://{OUTPUTS}/boto3-interop/'},
        hyperParameters={'epochCount': '2', 'batchSize': '1', 'learningRate': '0.00001'},
    )
    body.update(overrides)
    return body


def main():
    s3 = s3_with_buckets(REGION, DATASETS, OUTPUTS)
    lines = '\n'.join(json.dumps({'prompt': f'What is {i} + {i}?', 'completion': str(2 * i)}) for i in range(30)) + '\n'
    s3.put_object(Bucket=DATASETS, Key=f'boto3-interop/{RUN}/train.jsonl', Body=lines.encode())
    s3.put_object(Bucket=DATASETS, Key=f'boto3-interop/{RUN}/validation.jsonl', Body=lines.encode())
    training = f's3://{DATASETS}/boto3-interop/{RUN}/train.jsonl'
    validation = f's3://{DATASETS}/boto3-interop/{RUN}/validation.jsonl'

    state = tempfile.mkdtemp(prefix='boto3-interop-')
    procs = []
    try:
        proc, endpoint = start_simulator('--time-scale', '500', '--max-concurrent-jobs', '3', '--state-file', os.path.join(state, 'state.json'))
        procs.append(proc)
        b = bedrock(endpoint)

        print('foundation models')
        models = b.list_foundation_models(byCustomizationType='FINE_TUNING')['modelSummaries']
        check(any(m['modelId'] == BASE for m in models), 'ListFoundationModels(byCustomizationType) lists Titan Text Express')
        details = b.get_foundation_model(modelIdentifier=BASE)['modelDetails']
        check(details['customizationsSupported'] == ['FINE_TUNING', 'CONTINUED_PRE_TRAINING'], 'GetFoundationModel parses')

        print('create, idempotency, get until Completed')
        token = str(uuid.uuid4())
        req = request(training, clientRequestToken=token, validationDataConfig={'validators': [{'s3Uri': validation}]},
                      jobTags=[{'key': 'lineage', 'value': RUN}], customModelTags=[{'key': 'team', 'value': 'ml'}],
                      customModelKmsKeyId='alias/interop')
        created = b.create_model_customization_job(**req)
        check(created['ResponseMetadata']['HTTPStatusCode'] == 201, 'CreateModelCustomizationJob answers 201')
        check(created['ResponseMetadata']['RequestId'] != '', 'every response has a request id')
        arn = created['jobArn']
        again = b.create_model_customization_job(**req)
        check(again['jobArn'] == arn, 'same token, same body: same jobArn')
        first = b.get_model_customization_job(jobIdentifier=arn)
        check(first['status'] == 'InProgress' and hasattr(first['creationTime'], 'tzinfo'), 'GetModelCustomizationJob parses timestamps')
        check(first['statusDetails']['validationDetails']['status'] == 'InProgress', 'statusDetails parse')
        done = wait(b, req['jobName'])
        check(done['status'] == 'Completed', 'the job completes (polled by name)')
        check(done['trainingMetrics']['trainingLoss'] > 0 and len(done['validationMetrics']) == 1, 'trainingMetrics and validationMetrics parse')
        check(done['endTime'] >= done['creationTime'], 'endTime is a datetime after creationTime')
        prefix = f"boto3-interop/model-customization-job-{arn.split('/')[-1]}"
        csv = s3.get_object(Bucket=OUTPUTS, Key=f'{prefix}/training_artifacts/step_wise_training_metrics.csv')['Body'].read().decode()
        last = csv.strip().split('\n')[-1].split(',')
        check(csv.startswith('step_number,epoch_number,training_loss,perplexity') and float(last[2]) == done['trainingMetrics']['trainingLoss'],
              'the metrics CSV is in S3 and matches trainingMetrics')

        print('custom model')
        model = b.get_custom_model(modelIdentifier=done['outputModelArn'])
        check(model['modelName'] == req['customModelName'] and model['modelStatus'] == 'Active', 'GetCustomModel by ARN')
        check(b.get_custom_model(modelIdentifier=req['customModelName'])['modelArn'] == model['modelArn'], 'GetCustomModel by name')
        check(model['modelKmsKeyArn'].endswith(':alias/interop') and model['hyperParameters'] == req['hyperParameters'], 'the model carries KMS key and hyperparameters')

        print('tags')
        check(b.list_tags_for_resource(resourceARN=model['modelArn'])['tags'] == [{'key': 'team', 'value': 'ml'}], 'model tags from customModelTags')
        b.tag_resource(resourceARN=arn, tags=[{'key': 'stage', 'value': 'dev'}])
        check({t['key'] for t in b.list_tags_for_resource(resourceARN=arn)['tags']} == {'lineage', 'stage'}, 'TagResource and ListTagsForResource')
        b.untag_resource(resourceARN=arn, tagKeys=['stage'])
        check(b.list_tags_for_resource(resourceARN=arn)['tags'] == [{'key': 'lineage', 'value': RUN}], 'UntagResource')

        print('stop another job')
        slow = request(training, jobTags=[{'key': 'simulator:time-scale', 'value': '50'}])
        slow_arn = b.create_model_customization_job(**slow)['jobArn']
        b.stop_model_customization_job(jobIdentifier=slow_arn)
        check(b.get_model_customization_job(jobIdentifier=slow_arn)['status'] == 'Stopping', 'Stop: Stopping')
        check(wait(b, slow_arn)['status'] == 'Stopped', 'then Stopped')

        print('list with pagination')
        for i in range(4):
            b.create_model_customization_job(**request(training, jobName=f'boto3-{RUN}-page-{i}', customModelName=f'boto3-{RUN}-page-{i}-model'))
            wait(b, f'boto3-{RUN}-page-{i}')
        names, token_, pages = [], None, 0
        while True:
            kwargs = {'nameContains': f'boto3-{RUN}-page', 'maxResults': 3, 'sortOrder': 'Ascending', 'sortBy': 'CreationTime'}
            if token_:
                kwargs['nextToken'] = token_
            page = b.list_model_customization_jobs(**kwargs)
            names += [s['jobName'] for s in page['modelCustomizationJobSummaries']]
            pages += 1
            token_ = page.get('nextToken')
            if not token_:
                break
        check(names == [f'boto3-{RUN}-page-{i}' for i in range(4)] and pages == 2, 'ListModelCustomizationJobs pages by nextToken to the end')
        paged = [s['jobName'] for p in b.get_paginator('list_model_customization_jobs').paginate(nameContains=RUN, statusEquals='Completed', PaginationConfig={'PageSize': 2}) for s in p['modelCustomizationJobSummaries']]
        check(len(paged) == 5, 'the botocore paginator walks every page (statusEquals filter)')
        custom = [m['modelName'] for p in b.get_paginator('list_custom_models').paginate(nameContains=RUN, PaginationConfig={'PageSize': 2}) for m in p['modelSummaries']]
        check(len(custom) == 5, 'ListCustomModels paginates')
        b.delete_custom_model(modelIdentifier=f'boto3-{RUN}-page-0-model')
        check(error_code(lambda: b.get_custom_model(modelIdentifier=f'boto3-{RUN}-page-0-model'))[0] == 'ResourceNotFoundException', 'DeleteCustomModel')

        print('each error class')
        code, status, e = error_code(lambda: b.create_model_customization_job(**request(training, jobName='bad_name')))
        check((code, status) == ('ValidationException', 400) and isinstance(e, b.exceptions.ValidationException), 'ValidationException (pattern)')
        code, _, e = error_code(lambda: b.create_model_customization_job(**{**req, 'clientRequestToken': str(uuid.uuid4())}))
        check(code == 'ValidationException' and e.response['Error']['Message'] == 'The provided job name is currently in use.', 'ValidationException (job name in use)')
        check(error_code(lambda: b.create_model_customization_job(**{**req, 'hyperParameters': {'epochCount': '3'}}))[0] == 'ValidationException', 'ValidationException (token reused with another body)')
        code, status, e = error_code(lambda: b.get_model_customization_job(jobIdentifier='no-such-job'))
        check((code, status) == ('ResourceNotFoundException', 404) and isinstance(e, b.exceptions.ResourceNotFoundException), 'ResourceNotFoundException')
        code, status, e = error_code(lambda: b.stop_model_customization_job(jobIdentifier=arn))
        check((code, status) == ('ConflictException', 400) and isinstance(e, b.exceptions.ConflictException), 'ConflictException (stop a finished job)')
        code, _, e = error_code(lambda: b.tag_resource(resourceARN=arn, tags=[{'key': f'k{i}', 'value': 'v'} for i in range(60)]))
        check(code == 'TooManyTagsException' and e.response['resourceName'] == arn, 'TooManyTagsException with resourceName')
        for _ in range(3):
            b.create_model_customization_job(**request(training, jobTags=[{'key': 'simulator:time-scale', 'value': '1'}]))
        code, _, e = error_code(lambda: b.create_model_customization_job(**request(training)))
        check(code == 'ServiceQuotaExceededException' and isinstance(e, b.exceptions.ServiceQuotaExceededException), 'ServiceQuotaExceededException')
        unsigned = bedrock(endpoint, signature_version=UNSIGNED)
        code, status, e = error_code(lambda: unsigned.list_foundation_models())
        check((code, status) == ('AccessDeniedException', 403) and isinstance(e, unsigned.exceptions.AccessDeniedException), 'AccessDeniedException (unsigned request)')

        proc, throttled = start_simulator('--throttle-rate', '1')
        procs.append(proc)
        code, status, e = error_code(lambda: bedrock(throttled, retries={'max_attempts': 1, 'mode': 'standard'}).list_foundation_models())
        check((code, status) == ('ThrottlingException', 429) and isinstance(e, b.exceptions.ThrottlingException), 'ThrottlingException')
        proc, failing = start_simulator('--error-rate', '1')
        procs.append(proc)
        code, status, e = error_code(lambda: bedrock(failing, retries={'max_attempts': 1, 'mode': 'standard'}).list_foundation_models())
        check((code, status) == ('InternalServerException', 500) and isinstance(e, b.exceptions.InternalServerException), 'InternalServerException')
        check(shape_problems == [], 'every successful response matches its output shape in the service model')
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait()
    print(f'{checks} checks passed with boto3 {boto3.__version__} / botocore {__import__("botocore").__version__}')


if __name__ == '__main__':
    try:
        main()
    except AssertionError as e:
        print(f'FAILED: {e}')
        sys.exit(1)
