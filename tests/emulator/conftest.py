"""Fixtures: real boto3 clients of the emulator (``emulator`` itself is in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.config import Config
from botocore.loaders import Loader, create_loader

from driftcheck.emulator import Emulator

ClientFactory = Callable[..., Any]

# Retries off unless a test asks for them: error codes and counts stay exact.
NO_RETRIES = Config(retries={"total_max_attempts": 1})


@pytest.fixture(scope="session")
def model_loader() -> Loader:
    """One botocore data loader for the run: it caches the parsed service models."""
    return create_loader()


@pytest.fixture
def boto_session(aws_env: dict[str, str], model_loader: Loader) -> boto3.session.Session:
    """A boto3 session in the isolated AWS environment (no developer profile or config)."""
    core = botocore.session.Session()
    core.register_component("data_loader", model_loader)
    return boto3.session.Session(botocore_session=core, region_name="us-east-1")


@pytest.fixture
def connect(boto_session: boto3.session.Session) -> ClientFactory:
    """``connect(emu, api, region="us-east-1", config=NO_RETRIES)``: a boto3 client of ``emu``."""

    def make(
        emu: Emulator, api: str, region: str = "us-east-1", config: Config = NO_RETRIES
    ) -> Any:
        return boto_session.client(api, region_name=region, endpoint_url=emu.url, config=config)

    return make


@pytest.fixture
def make_client(connect: ClientFactory, emulator: Emulator) -> ClientFactory:
    """``make_client(api, region="us-east-1", config=NO_RETRIES)``: a client of ``emulator``."""

    def make(api: str, region: str = "us-east-1", config: Config = NO_RETRIES) -> Any:
        return connect(emulator, api, region, config)

    return make


@pytest.fixture
def pinpoint(make_client: ClientFactory) -> Any:
    return make_client("pinpoint-email")


@pytest.fixture
def sesv2(make_client: ClientFactory) -> Any:
    return make_client("sesv2")
