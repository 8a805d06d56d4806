"""What both boto3 scripts need of the local stack: the run's S3 server (AWS_ENDPOINT_URL_S3) with their
buckets, and a simulator process of their own (`node bin/finetune.js simulator` from the repository
root, built) on a free port."""
import os
import socket
import subprocess

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))


def s3_with_buckets(region, *buckets):
    """An S3 client of the run's server, with `buckets` there (made, or already made by an earlier run)."""
    s3 = boto3.client('s3', region_name=region, endpoint_url=os.environ['AWS_ENDPOINT_URL_S3'],
                      config=Config(s3={'addressing_style': 'path'}))
    for bucket in buckets:
        try:
            s3.create_bucket(Bucket=bucket)
        except ClientError as e:
            if e.response['Error']['Code'] not in ('BucketAlreadyOwnedByYou', 'BucketAlreadyExists'):
                raise
    return s3


def start_simulator(*args):
    """A simulator of this run's own on a free port; returns (process, endpoint)."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    s3_endpoint = os.environ['AWS_ENDPOINT_URL_S3']
    proc = subprocess.Popen(
        ['node', os.path.join(REPO, 'bin', 'finetune.js'), 'simulator', '--port', str(port), '--s3-endpoint', s3_endpoint, *args],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline().strip()
    endpoint = f'http://127.0.0.1:{port}'
    if line != f'bedrock simulator listening on {endpoint}':
        proc.kill()
        raise RuntimeError(f'simulator did not start: {line!r}')
    return proc, endpoint
