#!/bin/bash
# The median latency (ms) of N GETs of one page on a running citykg, in one of three modes:
#   uncached  a new variant each time (an ignored ?nocache= parameter): the page is rendered
#   hit       the same request each time: served from the in-process cache
#   304       the same request with If-None-Match: the current ETag, answered 304
# usage: bench/cache-latency.sh BASE_URL PATH MODE [N=30]
#   e.g. bench/cache-latency.sh http://127.0.0.1:7979 /sdg/11 hit
set -euo pipefail
base=$1; path=$2; mode=$3; n=${4:-30}
url="$base$path"
tag=$(curl -s -D - -o /dev/null -H 'Accept: text/html' "$url" | tr -d '\r' \
  | awk -F': ' 'tolower($1)=="etag"{print $2}')
for i in $(seq 1 "$n"); do
  case $mode in
    uncached) curl -s -o /dev/null -w '%{time_total}\n' -H 'Accept: text/html' "$url?nocache=$$-$i" ;;
    hit) curl -s -o /dev/null -w '%{time_total}\n' -H 'Accept: text/html' "$url" ;;
    304) curl -s -o /dev/null -w '%{time_total}\n' -H 'Accept: text/html' -H "If-None-Match: $tag" "$url" ;;
    *) echo "mode: uncached, hit or 304" >&2; exit 2 ;;
  esac
done | sort -n | awk '{a[NR]=$1} END {printf "%.2f\n", a[int((NR+1)/2)]*1000}'
