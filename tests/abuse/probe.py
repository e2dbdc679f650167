#!/usr/bin/python3
# Runs inside an instance as its (unprivileged, namespaced) root and tries
# one escape or exhaustion; prints one JSON line: {"probe": name, "result":
# "allowed" | "denied" | ..., "errno": "EPERM", ...}. The abuse test
# (abuse_test.cc) copies this file into the instance's device directory and
# asserts each result. Only the Python standard library: the guest has the
# host's /usr.
import ctypes
import errno
import json
import os
import platform
import socket
import sys

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long

X86_64 = {
    "clone": 56, "clone3": 435, "unshare": 272, "setns": 308, "mount": 165, "keyctl": 250,
    "add_key": 248, "request_key": 249, "bpf": 321, "perf_event_open": 298, "userfaultfd": 323,
    "kexec_load": 246, "init_module": 175, "finit_module": 313, "io_uring_setup": 425,
    "open_by_handle_at": 304, "ptrace": 101, "pivot_root": 155, "fsopen": 430,
    "open_tree": 428, "syslog": 103, "reboot": 169, "swapon": 167,
}
AARCH64 = {
    "clone": 220, "clone3": 435, "unshare": 97, "setns": 268, "mount": 40, "keyctl": 219,
    "add_key": 217, "request_key": 218, "bpf": 280, "perf_event_open": 241, "userfaultfd": 282,
    "kexec_load": 104, "init_module": 105, "finit_module": 273, "io_uring_setup": 425,
    "open_by_handle_at": 265, "ptrace": 117, "pivot_root": 41, "fsopen": 430,
    "open_tree": 428, "syslog": 116, "reboot": 142, "swapon": 224,
}
NR = AARCH64 if platform.machine() == "aarch64" else X86_64

CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS = 0x00020000, 0x02000000, 0x04000000
CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x08000000, 0x10000000, 0x20000000, 0x40000000
SIGCHLD = 17


def out(**kw):
    print(json.dumps(kw))


def result_of(ret):
    if ret < 0:
        e = ctypes.get_errno()
        return {"result": "denied", "errno": errno.errorcode.get(e, str(e))}
    return {"result": "allowed", "value": ret}


def syscall(name, *args):
    args = [ctypes.c_long(a) if isinstance(a, int) else a for a in args]
    return result_of(libc.syscall(ctypes.c_long(NR[name]), *args))


def clone_with(flags):
    # clone() like fork(): the child (return 0) leaves at once.
    ret = libc.syscall(ctypes.c_long(NR["clone"]), ctypes.c_long(flags | SIGCHLD), ctypes.c_long(0),
                       ctypes.c_long(0), ctypes.c_long(0), ctypes.c_long(0))
    if ret == 0:
        os._exit(0)
    r = result_of(ret)
    if ret > 0:
        os.waitpid(ret, 0)
    return r


def clone3_with(flags):
    # struct clone_args {flags, pidfd, child_tid, parent_tid, exit_signal, ...}
    args = (ctypes.c_uint64 * 11)()
    args[0] = flags
    args[4] = SIGCHLD
    ret = libc.syscall(ctypes.c_long(NR["clone3"]), args, ctypes.c_long(88))
    if ret == 0:
        os._exit(0)
    r = result_of(ret)
    if ret > 0:
        os.waitpid(ret, 0)
    return r


def try_write(path, data):
    try:
        with open(path, "w") as f:
            f.write(data)
        return {"result": "allowed"}
    except OSError as e:
        return {"result": "denied", "errno": errno.errorcode.get(e.errno, str(e.errno))}


def try_socket(family, kind, proto=0):
    try:
        s = socket.socket(family, kind, proto)
        s.close()
        return {"result": "allowed"}
    except OSError as e:
        return {"result": "denied", "errno": errno.errorcode.get(e.errno, str(e.errno))}


def fork_until_refused(limit):
    # Forks children that sleep until told; counts how many exist when fork
    # fails (EAGAIN at the pids limit), then lets them all go.
    r, w = os.pipe()
    kids = []
    err = None
    while len(kids) < limit:
        try:
            pid = os.fork()
        except OSError as e:
            err = errno.errorcode.get(e.errno, str(e.errno))
            break
        if pid == 0:
            os.close(w)
            os.read(r, 1)
            os._exit(0)
        kids.append(pid)
    os.close(w)
    for pid in kids:
        os.waitpid(pid, 0)
    return {"result": "denied" if err else "allowed", "errno": err, "forked": len(kids)}


def fill_disk(path):
    block = b"\0" * (1 << 20)
    written = 0
    try:
        with open(path, "wb") as f:
            while True:
                f.write(block)
                f.flush()
                written += len(block)
    except OSError as e:
        os.unlink(path)
        return {"result": "denied", "errno": errno.errorcode.get(e.errno, str(e.errno)),
                "written": written}


def connect(host, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(3)
    try:
        s.connect((host, port))
        return {"result": "allowed"}
    except socket.timeout:
        return {"result": "denied", "errno": "ETIMEDOUT"}
    except OSError as e:
        return {"result": "denied", "errno": errno.errorcode.get(e.errno, str(e.errno))}
    finally:
        s.close()


def main():
    name = sys.argv[1]
    a = sys.argv[2:]
    probes = {
        "clone-newuser": lambda: clone_with(CLONE_NEWUSER),
        "clone-newnet": lambda: clone_with(CLONE_NEWNET),
        "clone-newuser-newnet": lambda: clone_with(CLONE_NEWUSER | CLONE_NEWNET),
        "clone-newns": lambda: clone_with(CLONE_NEWNS),
        "clone-newpid": lambda: clone_with(CLONE_NEWPID),
        "clone-newipc": lambda: clone_with(CLONE_NEWIPC),
        "clone-newuts": lambda: clone_with(CLONE_NEWUTS),
        "clone-newcgroup": lambda: clone_with(CLONE_NEWCGROUP),
        "clone-plain": lambda: clone_with(0),
        "clone3": lambda: clone3_with(0),
        "unshare-user": lambda: syscall("unshare", CLONE_NEWUSER),
        "setns": lambda: syscall("setns", 0, 0),
        "mount-tmpfs": lambda: syscall("mount", ctypes.c_char_p(b"none"), ctypes.c_char_p(b"/mnt"),
                                       ctypes.c_char_p(b"tmpfs"), 0, 0),
        "keyctl": lambda: syscall("keyctl", 0, -3, 0),  # KEYCTL_GET_KEYRING_ID session
        "add_key": lambda: syscall("add_key", ctypes.c_char_p(b"user"), ctypes.c_char_p(b"k"),
                                   ctypes.c_char_p(b"v"), 1, -3),
        "request_key": lambda: syscall("request_key", ctypes.c_char_p(b"user"),
                                       ctypes.c_char_p(b"k"), 0, 0),
        "bpf": lambda: syscall("bpf", 0, 0, 0),
        "perf_event_open": lambda: syscall("perf_event_open", 0, 0, -1, -1, 0),
        "userfaultfd": lambda: syscall("userfaultfd", 0),
        "kexec_load": lambda: syscall("kexec_load", 0, 0, 0, 0),
        "init_module": lambda: syscall("init_module", 0, 0, ctypes.c_char_p(b"")),
        "finit_module": lambda: syscall("finit_module", 0, ctypes.c_char_p(b""), 0),
        "io_uring_setup": lambda: syscall("io_uring_setup", 1, (ctypes.c_uint8 * 120)()),
        "open_by_handle_at": lambda: syscall("open_by_handle_at", 0, 0, 0),
        "pivot_root": lambda: syscall("pivot_root", ctypes.c_char_p(b"/"), ctypes.c_char_p(b"/")),
        "syslog": lambda: syscall("syslog", 3, 0, 0),
        "reboot": lambda: syscall("reboot", 0, 0, 0, 0),
        "ptrace-attach": lambda: syscall("ptrace", 16, int(a[0]), 0, 0),  # PTRACE_ATTACH
        "write": lambda: try_write(a[0], a[1] if len(a) > 1 else "1"),
        "raw-socket": lambda: try_socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP),
        "packet-socket": lambda: try_socket(socket.AF_PACKET, socket.SOCK_RAW, 0x0300),
        "fork-bomb": lambda: fork_until_refused(int(a[0])),
        "fill-disk": lambda: fill_disk(a[0]),
        "connect": lambda: connect(a[0], int(a[1])),
    }
    r = probes[name]()
    r["probe"] = name
    out(**r)


main()
