import os
import pwd


def step_down():
    if os.getuid() != 0:
        return
    user = pwd.getpwnam("worker")
    os.setgroups([])
    os.setgid(user.pw_gid)
    os.setuid(user.pw_uid)
