"""JupyterHub for a class on one machine: `make hub` starts it (see the README's "Teaching a class").

A demo/test setup, not a hardened deployment:
- log-in: JupyterHub's SharedPasswordAuthenticator, one class password (any user name + that password; anyone with it
  can log in as any student: a workshop demo only). A real class uses an identity provider (OAuthenticator for
  GitHub/Google/Azure, LTIAuthenticator from an LMS) or TLJH's FirstUseAuthenticator / NativeAuthenticator.
- servers: SimpleLocalProcessSpawner runs every student's JupyterLab as the hub's own OS user (no isolation between
  students; it does not enforce ``mem_limit``). TLJH's SystemdSpawner (one OS user and a memory cap per student) or
  KubeSpawner (Zero to JupyterHub) are the real ones.

Settings come from the environment (the Makefile sets them):
  HUB_DIR      where the hub keeps its state and each student's folder (default: hub-data next to this repo's root)
  HUB_COURSE   the folder whose notebooks each student gets a copy of (default: notebooks)
  HUB_PORT     the port of the hub's public address on 127.0.0.1 (default 8000); HUB_PORT+1 and +2 are used inside
  HUB_IP       the address to listen on (default 127.0.0.1; 0.0.0.0 to let a classroom's machines in)
  HUB_MEM_LIMIT  each student's memory limit, e.g. 1G (announced to the server; enforced by SystemdSpawner/KubeSpawner)
  HUB_CULL_AFTER seconds after which an idle kernel, and an idle student's server, is stopped (default 1200)
  HUB_SERVICE_TOKEN  if set (tests, benchmarks/hub_load.py): a "load-test" service with this API token may start
                 servers and make tokens, and JupyterLab exposes window.jupyterapp to the browser test
  RESNET_PRESET, OMP_NUM_THREADS  passed to every student's kernel
"""

import os
import secrets
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HUB_DIR = Path(os.environ.get("HUB_DIR") or REPO / "hub-data").resolve()
COURSE = Path(os.environ.get("HUB_COURSE") or REPO / "notebooks").resolve()
PORT = int(os.environ.get("HUB_PORT") or 8000)
IP = os.environ.get("HUB_IP") or "127.0.0.1"
CULL_AFTER = int(os.environ.get("HUB_CULL_AFTER") or 1200)
STATE = HUB_DIR / "state"
STUDENTS = HUB_DIR / "students"
BIN = Path(sys.executable).parent

c = get_config()  # noqa: F821 (JupyterHub's config loader defines it)

if not any(COURSE.glob("*.ipynb")):
    sys.exit(f"make hub: no notebooks in {COURSE}; set HUB_COURSE to the folder students should get")
for folder in (STATE, STUDENTS):
    folder.mkdir(parents=True, exist_ok=True)


def password(name: str, nbytes: int) -> str:
    """A password made once and kept in the state folder (a demo log-in, not real accounts)."""
    path = STATE / name
    if not path.exists():
        path.write_text(secrets.token_urlsafe(nbytes) + "\n")
        path.chmod(0o600)
    return path.read_text().strip()


# --- the hub, its proxy and its state -----------------------------------------------------------------------------
c.JupyterHub.ip = IP
c.JupyterHub.port = PORT
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = PORT + 1
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{PORT + 2}"
c.ConfigurableHTTPProxy.command = [str(REPO / "hub" / "node_modules" / ".bin" / "configurable-http-proxy")]
c.ConfigurableHTTPProxy.pid_file = str(STATE / "proxy.pid")
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops the students' servers (their files stay)

# --- log-in -------------------------------------------------------------------------------------------------------
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = password("class-password", 12)
c.SharedPasswordAuthenticator.admin_password = password("teacher-password", 24)  # 32 characters, as it requires
c.Authenticator.allow_all = True
c.Authenticator.admin_users = {"teacher"}  # logs in with the teacher password; sees every student's server

# --- each student's server ----------------------------------------------------------------------------------------
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = str(STUDENTS / "{username}")
c.Spawner.cmd = [str(BIN / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.args = [
    "--allow-root",  # the hub's user may be root (containers, cloud VMs, CI)
    # idle kernels are stopped inside each server; the idle-culler service below stops idle servers
    f"--MappingKernelManager.cull_idle_timeout={CULL_AFTER}",
    "--MappingKernelManager.cull_interval=60",
    "--LabApp.news_url=None",
    "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
]
c.Spawner.env_keep.extend(["RESNET_PRESET", "XDG_CACHE_HOME", "OMP_NUM_THREADS"])
c.Spawner.environment = {"PATH": f"{BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}"}
if os.environ.get("HUB_MEM_LIMIT"):
    c.Spawner.mem_limit = os.environ["HUB_MEM_LIMIT"]
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120


def hand_out(spawner) -> None:
    """Give the student a copy of every course notebook they do not have yet: their own copies are never replaced."""
    home = Path(spawner.home_dir)
    home.mkdir(parents=True, exist_ok=True)
    for source in sorted(COURSE.glob("*.ipynb")):
        target = home / source.name
        if not target.exists():
            shutil.copyfile(source, target)


c.Spawner.pre_spawn_hook = hand_out

# --- services: culling idle servers; optionally a load-test client ------------------------------------------------
c.JupyterHub.services = [
    {"name": "idle-culler", "command": [sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={CULL_AFTER}"]},
]
c.JupyterHub.load_roles = [
    {"name": "idle-culler", "services": ["idle-culler"],
     "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"]},
]
if os.environ.get("HUB_SERVICE_TOKEN"):
    c.JupyterHub.services.append({"name": "load-test", "api_token": os.environ["HUB_SERVICE_TOKEN"]})
    c.JupyterHub.load_roles.append({"name": "load-test", "services": ["load-test"],
                                    "scopes": ["admin:users", "admin:servers", "tokens", "access:servers"]})
    c.Spawner.args.append("--LabApp.expose_app_in_browser=True")  # the browser test drives window.jupyterapp
