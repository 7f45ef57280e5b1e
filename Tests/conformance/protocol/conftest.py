"""Fixtures of the protocol suite (its virtualenv has tb-rest-client)."""
import pytest
from tb_rest_client.rest_client import RestClient


@pytest.fixture(scope="module")
def rc(server, tenant):
    """ThingsBoard's official REST client, signed in as the module's tenant administrator."""
    client = RestClient(base_url=server.base_url)
    client.login(tenant.admin_email, tenant.admin_password)
    yield client
    client.stop()
