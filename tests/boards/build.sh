#!/bin/sh
# Compiles the real boards of this folder as the Linux build does (cpp with
# the kernel's include paths and include-prefixes, then dtc).
# Usage: sh build.sh OUTDIR
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$1
K=$HERE/linux-6.12
DTS=$K/arch/arm64/boot/dts
mkdir -p "$OUT"
for b in qcom/sc7180-trogdor-kingoftown qcom/apq8096-db820c nvidia/tegra194-p2972-0000 \
	 nvidia/tegra234-p3737-0000+p3701-0000 freescale/imx8qm-mek; do
	n=$(basename "$b")
	cpp -nostdinc -I "$K/include" -I "$DTS" -I "$K/scripts/dtc/include-prefixes" \
	    -I "$DTS/$(dirname "$b")" -undef -D__DTS__ -x assembler-with-cpp \
	    -o "$OUT/$n.pp.dts" "$DTS/$b.dts"
	dtc -q -I dts -O dtb -i "$DTS/$(dirname "$b")" -o "$OUT/$n.dtb" "$OUT/$n.pp.dts"
done
