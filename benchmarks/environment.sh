#!/usr/bin/env bash
# Prints the machine and JVM a benchmark ran on, two lines, for Report's "Measured ... on" header.
echo "$(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), load average before the run $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$(java -version 2>&1 | head -1), $(date -u +%Y-%m-%d)"
