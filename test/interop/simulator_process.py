"""The simulator process both boto3 scripts start for themselves: `node bin/finetune.js simulator` from
the repository root (built), on a free port, with the run's S3 server (AWS_ENDPOINT_URL_S3)."""
import os
import socket
import subprocess

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))


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
