"""The deployment files: docker-compose.yml's shape beyond the compose schema, the Dockerfile,
nginx and the operations scripts. (tests/test_infrastructure.py validates the compose schema.)"""

import re
import subprocess

import pytest
from ruamel.yaml import YAML

from .test_infrastructure import BASE_DIR

COMPOSE = YAML(typ="safe").load((BASE_DIR / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
DOCKERFILE = (BASE_DIR / "Dockerfile").read_text()
APP_SERVICES = ["migrate", "web", "worker", "beat"]


def test_compose_has_the_whole_stack():
    assert set(SERVICES) == {"migrate", "web", "worker", "beat", "nginx", "postgres", "redis"}


@pytest.mark.parametrize("name", ["web", "worker", "beat", "nginx", "postgres", "redis"])
def test_every_long_running_service_has_a_health_check(name):
    check = SERVICES[name]["healthcheck"]
    assert check["test"] and not check.get("disable")


@pytest.mark.parametrize("name", ["web", "worker", "beat"])
def test_app_services_wait_for_healthy_services_and_the_migration(name):
    assert SERVICES[name]["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
        "migrate": {"condition": "service_completed_successfully"},
    }


def test_migrate_runs_once_after_postgres_is_healthy():
    migrate = SERVICES["migrate"]
    assert migrate["restart"] == "no"
    assert "migrate" in migrate["command"]
    assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}


def test_exactly_one_beat():
    assert SERVICES["beat"]["deploy"]["replicas"] == 1
    assert sum("beat" in " ".join(s.get("command") or []) for s in SERVICES.values()) == 1


def test_nginx_is_the_only_way_in():
    published = {name for name, service in SERVICES.items() if service.get("ports")}
    assert published == {"nginx"}
    assert SERVICES["nginx"]["depends_on"] == {"web": {"condition": "service_healthy"}}


@pytest.mark.parametrize("name", ["nginx", "postgres", "redis"])
def test_images_are_pinned_to_an_exact_version(name):
    assert re.fullmatch(r"[a-z0-9./-]+:\d+\.\d+(\.\d+)?(-[a-z0-9.]+)?", SERVICES[name]["image"])


def test_secrets_come_from_files_not_from_the_environment_file():
    for name in APP_SERVICES:
        environment = SERVICES[name]["environment"]
        assert environment["SECRET_KEY_FILE"].startswith("/run/secrets/")
        assert environment["DATABASE_URL_FILE"].startswith("/run/secrets/")
    assert SERVICES["postgres"]["environment"]["POSTGRES_PASSWORD_FILE"].startswith("/run/secrets/")
    example = (BASE_DIR / ".env.example").read_text()
    assert re.search(r"^SECRET_KEY=$", example, re.MULTILINE)
    assert re.search(r"^DATABASE_URL=$", example, re.MULTILINE)


def test_media_is_a_volume_outside_the_code():
    for name in APP_SERVICES:
        assert "media:/app/var/media" in SERVICES[name]["volumes"]
    assert "media" in COMPOSE["volumes"]
    assert "postgres-data" in COMPOSE["volumes"]


def test_trusted_proxy_network_matches_the_settings_example():
    subnet = COMPOSE["networks"]["default"]["ipam"]["config"][0]["subnet"]
    assert f"TRUSTED_PROXIES={subnet}" in (BASE_DIR / ".env.example").read_text()
    assert subnet in (BASE_DIR / "deploy" / "gunicorn.conf.py").read_text()


# ---------------------------------------------------------------------------------------------
# Dockerfile


def test_dockerfile_is_multi_stage_with_pinned_bases():
    bases = re.findall(r"^FROM\s+(\S+)", DOCKERFILE, re.MULTILINE)
    assert len(bases) >= 3
    for base in bases:
        if ":" in base:
            assert re.search(r":\d+\.\d+\.\d+", base), base
    assert "scripts/fetch_assets.sh" in DOCKERFILE
    assert "COPY --from=assets" in DOCKERFILE


def test_dockerfile_runs_as_a_non_root_user_with_cjk_fonts():
    users = re.findall(r"^USER\s+(\S+)", DOCKERFILE, re.MULTILINE)
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    assert "fonts-noto-cjk" in DOCKERFILE


def test_the_running_container_downloads_nothing():
    # The last stage's commands: CMD, HEALTHCHECK and ENTRYPOINT never reach the network.
    runtime = DOCKERFILE.rsplit("\nFROM ", 1)[1]
    run_time_lines = [
        line for line in runtime.splitlines() if re.match(r"(CMD|ENTRYPOINT|HEALTHCHECK)\b", line)
    ]
    for line in run_time_lines:
        assert not re.search(r"\b(curl|wget|pip|npm|apt-get)\b", line), line
    assert "pip install" not in runtime and "npm" not in runtime


def test_collectstatic_and_assets_happen_at_build_time():
    assert "collectstatic --noinput" in DOCKERFILE


# ---------------------------------------------------------------------------------------------
# nginx and scripts


def test_nginx_sets_the_client_address_and_https():
    conf = (BASE_DIR / "deploy" / "nginx.conf").read_text()
    assert "proxy_set_header X-Real-IP $remote_addr;" in conf
    assert "proxy_set_header X-Forwarded-Proto https;" in conf
    assert "return 301 https://" in conf
    assert "server_tokens off;" in conf


@pytest.mark.parametrize(
    "script", ["backup.sh", "backup_common.sh", "restore.sh", "run.sh", "fetch_assets.sh"]
)
def test_shell_scripts_parse(script):
    result = subprocess.run(["bash", "-n", BASE_DIR / "scripts" / script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_backup_refuses_to_run_without_a_postgres_url(tmp_path):
    result = subprocess.run(
        ["bash", BASE_DIR / "scripts" / "backup.sh", tmp_path],
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": "sqlite:///x"},
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "PostgreSQL" in result.stderr
