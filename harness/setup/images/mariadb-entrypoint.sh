#!/bin/bash
# The official mariadb image's contract, for a server installed from Debian: first start creates
# root@'%', the database and the account, runs the init scripts on a server without networking
# (so a listening port means ready), then runs the real server on every interface.
set -euo pipefail
[ "${1:0:1}" = '-' ] && set -- mariadbd "$@"
root_pw=${MARIADB_ROOT_PASSWORD:-${MYSQL_ROOT_PASSWORD:-}}
db=${MARIADB_DATABASE:-${MYSQL_DATABASE:-}}
user=${MARIADB_USER:-${MYSQL_USER:-}}
pw=${MARIADB_PASSWORD:-${MYSQL_PASSWORD:-}}
if [ "$1" = mariadbd ] && [ ! -d /var/lib/mysql/mysql ]; then
  [ -n "$root_pw" ] || { echo 'brownout mariadb: MARIADB_ROOT_PASSWORD (or MYSQL_ROOT_PASSWORD) is required' >&2; exit 1; }
  echo 'brownout mariadb: initialising /var/lib/mysql'
  mariadb-install-db --user=mysql --datadir=/var/lib/mysql --auth-root-authentication-method=normal --skip-test-db --skip-name-resolve >/dev/null
  mariadbd --user=mysql --datadir=/var/lib/mysql --skip-networking --socket=/run/mysqld/init.sock --skip-log-bin &
  pid=$!
  for _ in $(seq 120); do mariadb --socket=/run/mysqld/init.sock -uroot -e 'SELECT 1' >/dev/null 2>&1 && break; sleep 0.25; done
  sql() { mariadb --socket=/run/mysqld/init.sock -uroot "$@"; }
  q() { printf "%s" "$1" | sed "s/'/''/g"; }
  {
    echo "CREATE USER 'root'@'%' IDENTIFIED BY '$(q "$root_pw")'; GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;"
    [ -n "$db" ] && echo "CREATE DATABASE IF NOT EXISTS \`$db\`;"
    if [ -n "$user" ]; then
      echo "CREATE USER '$user'@'%' IDENTIFIED BY '$(q "$pw")';"
      [ -n "$db" ] && echo "GRANT ALL ON \`$db\`.* TO '$user'@'%';"
    fi
    echo "ALTER USER 'root'@'localhost' IDENTIFIED BY '$(q "$root_pw")'; FLUSH PRIVILEGES;"
  } | sql
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sql) echo "brownout mariadb: running $f"; sql -p"$root_pw" ${db:+"$db"} < "$f" ;;
      *.sh) echo "brownout mariadb: running $f"; . "$f" ;;
    esac
  done
  kill "$pid"; wait "$pid" || true
  echo 'brownout mariadb: initialised'
fi
# Debian's config binds 127.0.0.1: in a container the server is reached over the network.
[ "$1" = mariadbd ] && set -- "$@" --user=mysql --bind-address=0.0.0.0
exec "$@"
