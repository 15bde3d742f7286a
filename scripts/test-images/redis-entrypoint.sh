#!/bin/sh
# docker-entrypoint.sh of the lifeboat-test/redis image: stands for the
# official redis image's entrypoint (docker-library/redis), which, started
# as root with redis-server, takes the data folder for the user redis and
# runs the server as that user (gosu); here setpriv does what gosu does.
# So a config file the redis user cannot read fails here as it would there.
set -e
if [ "$1" = "redis-server" ] && [ "$(id -u)" = 0 ]; then
  chown -R redis:redis /data
  exec setpriv --reuid=redis --regid=redis --init-groups "$@"
fi
exec "$@"
