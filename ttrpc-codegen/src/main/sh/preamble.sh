#!/bin/sh
exec "${JAVA_HOME:+$JAVA_HOME/bin/}java" -XX:+IgnoreUnrecognizedVMOptions --sun-misc-unsafe-memory-access=allow ${PROTOC_GEN_TTRPC_JAVA_OPTS:--XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto} -jar "$0" "$@"
