"""A container's life through docker-py, printed line by line, so that the same script against
a real dockerd and against berth's simulated engine (tests/tests/engine_api_py.rs) can be
compared. DOCKER_HOST says which engine; the image is tests' IMAGE, given as the argument."""

import sys

import docker

image = sys.argv[1]
client = docker.from_env(version="auto")
print("ping", client.ping())
print("api", client.version()["ApiVersion"])

job = client.containers.run(
    image,
    ["sh", "-c", "echo hello; sleep 0.2; echo bye; exit 3"],
    name="py-job",
    network_mode="none",
    detach=True,
)
print("wait", job.wait())
print("logs", repr(job.logs()))
print("stdout only", repr(job.logs(stdout=True, stderr=False, tail=1)))
job.reload()
print("status", job.status, job.attrs["State"]["ExitCode"], job.attrs["Name"])

print("run", repr(client.containers.run(image, "echo hi", network_mode="none", remove=True)))
try:
    client.containers.run(image, ["sh", "-c", "exit 4"], network_mode="none", remove=True)
except docker.errors.ContainerError as e:
    print("ContainerError", e.exit_status)

sleeper = client.containers.run(
    image, "sleep 300", name="py-sleeper", network_mode="none", detach=True,
    restart_policy={"Name": "on-failure", "MaximumRetryCount": 2},
)
sleeper.reload()
print("sleeper", sleeper.status, sleeper.attrs["HostConfig"]["RestartPolicy"])
sleeper.pause()
sleeper.reload()
print("paused", sleeper.status)
sleeper.unpause()
sleeper.stop(timeout=1)
sleeper.reload()
print("stopped", sleeper.status, sleeper.attrs["State"]["ExitCode"])
sleeper.rename("py-renamed")
sleeper.reload()
print("renamed", sleeper.name)

names = sorted(c.name for c in client.containers.list(all=True))
print("all", names)
print("running", [c.name for c in client.containers.list()])
print("exited", sorted(c.name for c in client.containers.list(all=True, filters={"exited": 3})))

try:
    client.containers.get("nope")
except docker.errors.NotFound as e:
    print("NotFound", e.explanation)
try:
    job.remove()
    sleeper.remove()
    print("removed")
except docker.errors.APIError as e:
    print("APIError", e.explanation)
print("pruned", client.containers.prune())
print("left", client.containers.list(all=True))
