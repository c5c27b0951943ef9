#!/bin/sh
# Runs a user-creation script (the one dockerfile/non-root-user writes for a
# base whose users it does not fully know) once per combination of accounts the
# base may already hold: the UID (1000), the GID (1000), the name (`app`, as a
# user, a group or both, at 999), several of these, or none. Between runs the
# account files are put back as they were. One line per combination:
#   combo|exit|name at UID 1000|its GID|group name at GID 1000|base's app user|base's app group|owner of /home/app
# POSIX sh: runs under dash (Debian) and BusyBox ash.
create=$1
mkdir -p /tmp/pristine
for f in passwd group shadow gshadow; do [ -f /etc/$f ] && cp -p /etc/$f /tmp/pristine/$f; done

# An account appended straight to the files, so one setup serves shadow and BusyBox bases alike.
group() { echo "$1:x:$2:" >> /etc/group; [ -f /etc/gshadow ] && echo "$1:!::" >> /etc/gshadow; return 0; }
user() {
  echo "$1:x:$2:$3::/home/$1:/bin/sh" >> /etc/passwd
  [ -f /etc/shadow ] && echo "$1:!:19000:0:99999:7:::" >> /etc/shadow
  return 0
}
field() { grep "$2" "$1" | head -n 1 | cut -d: -f"$3"; }

for combo in none gid uid uid-gid uid-other-gid name-group name-user name-both \
  name-both-gid name-both-uid name-both-uid-gid name-group-uid name-user-gid ours-group ours-user ours-both; do
  for f in passwd group shadow gshadow; do [ -f /tmp/pristine/$f ] && cp -p /tmp/pristine/$f /etc/$f; done
  rm -rf /home/app /home/app-1000
  case $combo in
    none) ;;
    gid) group staff1000 1000 ;;
    uid) user dev 1000 100 ;;
    uid-gid) group dev 1000; user dev 1000 1000 ;;
    uid-other-gid) group other 1000; user dev 1000 100 ;;
    name-group) group app 999 ;;
    name-user) group runtime 999; user app 999 999 ;;
    name-both) group app 999; user app 999 999 ;;
    name-both-gid) group app 999; user app 999 999; group staff1000 1000 ;;
    name-both-uid) group app 999; user app 999 999; user dev 1000 100 ;;
    name-both-uid-gid) group app 999; user app 999 999; group dev 1000; user dev 1000 1000 ;;
    name-group-uid) group app 999; user dev 1000 100 ;;
    name-user-gid) group runtime 999; user app 999 999; group staff1000 1000 ;;
    ours-group) group app 1000 ;;
    ours-user) user app 1000 100 ;;
    ours-both) group app 1000; user app 1000 1000 ;;
  esac
  # The base's own `app` (at 999) has a home with a file in it.
  if grep -q '^app:[^:]*:999:' /etc/passwd; then mkdir -p /home/app && touch /home/app/.profile && chown -R 999:999 /home/app; fi
  sh -c "$(cat "$create")" > /tmp/out 2>&1
  rc=$?
  [ $rc -eq 0 ] || sed "s/^/  $combo: /" /tmp/out >&2
  name=$(field /etc/passwd '^[^:]*:[^:]*:1000:' 1)
  gid=$(field /etc/passwd '^[^:]*:[^:]*:1000:' 4)
  gname=$(field /etc/group '^[^:]*:[^:]*:1000:' 1)
  app_user=$(field /etc/passwd '^app:' 3)
  app_group=$(field /etc/group '^app:' 3)
  home=$(stat -c %u:%g /home/app 2>/dev/null)
  echo "$combo|$rc|$name|$gid|$gname|$app_user|$app_group|$home"
done
# As found, for the next script.
for f in passwd group shadow gshadow; do [ -f /tmp/pristine/$f ] && cp -p /tmp/pristine/$f /etc/$f; done
rm -rf /home/app /home/app-1000 /tmp/pristine /tmp/out
