#!/usr/bin/env bash
# Download into .whl/ the wheels that the GPU machine lacks for benchmarks/gpu_suite.py.
#
# That machine has Python 3.12 with PyTorch, JAX, numpy, matplotlib and Keras' other
# needs, but no Keras, namex or optree (and no TensorFlow, which the suite does not
# use), and it cannot reach a package index. So the three wheels travel with the
# working tree: run this here, once, then name .whl in the device call's carry list
# (.whl/ is git-ignored). gpu_suite.sh installs them there with --no-index --no-deps.
#
# Usage (from anywhere):  bash benchmarks/fetch_gpu_wheels.sh
# The versions are the ones this course pins (requirements.txt) or installs with them.
set -euo pipefail
cd "$(dirname "$0")/.."

KERAS=$(sed -n 's/^keras==\([0-9.]*\).*/\1/p' requirements.txt)
WHEELS=("keras==${KERAS}" "namex==0.1.0" "optree==0.20.0")

# What the GPU machine already has, from its package list (/work/.library/device/KINDS.md,
# "Python packages already there", read 2026-11-17): the needs of the wheels above that
# need not travel. Anything a wheel requires that is neither here nor downloaded stops the script.
DEVICE_HAS="absl-py h5py ml-dtypes numpy packaging rich typing-extensions markdown-it-py pygments mdurl"

rm -rf .whl
mkdir -p .whl
python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux2014_x86_64 --platform manylinux1_x86_64 -d .whl "${WHEELS[@]}"

normalise() { tr 'A-Z_.' 'a-z--'; }
have=" $(echo "$DEVICE_HAS" | normalise) "
for whl in .whl/*.whl; do
    name=$(basename "$whl" | cut -d- -f1 | normalise)
    have+="$name "
done

status=0
echo "wheels in .whl/ (the device call must carry .whl):"
for whl in .whl/*.whl; do
    printf '  %-60s %8s bytes\n' "$(basename "$whl")" "$(stat -c %s "$whl")"
    # Requires-Dist lines without an 'extra ==' marker are what the wheel needs at run time
    needs=$(unzip -p "$whl" '*.dist-info/METADATA' | sed -n 's/^Requires-Dist: //p' | grep -v 'extra *==' \
            | sed 's/[ ;<>=!~(\[].*//' | normalise | sort -u || true)
    for need in $needs; do
        if [[ "$have" != *" $need "* ]]; then
            echo "  !! $(basename "$whl") needs $need, which is neither on the GPU machine nor in .whl/" >&2
            status=1
        fi
    done
    echo "     needs: ${needs//$'\n'/, }"
done
total=$(du -cb .whl/*.whl | tail -1 | cut -f1)
echo "total: ${total} bytes (the working tree, carried paths included, must stay under 64 MiB)"
exit $status
