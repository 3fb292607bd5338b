#!/bin/sh
# guest-build.sh CACHE: a small x86-64 Linux guest for QEMU, built into
# CACHE (a folder under build/, never committed), once:
#   CACHE/vmlinuz      the kernel of Debian's linux-image-*-amd64 package
#                      (apt-get download + dpkg-deb -x: never installed here)
#   CACHE/initrd.gz    busybox-static, the package's nvme modules and their
#                      dependencies (from modules.dep, which depmod -b makes
#                      in the unpacked tree: the .deb ships none), and
#                      tools/guest-init.sh as /init
# Prints the kernel version. Reuses what CACHE holds while the package
# and the init script are the same. Needs apt-get, dpkg-deb, depmod
# (kmod), cpio, gzip and /bin/busybox (busybox-static).
set -e
cache=$1
[ -n "$cache" ] || { echo "usage: guest-build.sh CACHE" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
init=$here/guest-init.sh
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)

for p in apt-get apt-cache dpkg-deb depmod cpio gzip; do
	command -v $p >/dev/null 2>&1 || { echo "guest-build: $p is missing" >&2; exit 1; }
done
busybox=/bin/busybox
[ -x "$busybox" ] ||
	{ echo "guest-build: $busybox is missing (Debian: busybox-static)" >&2; exit 1; }

# The metapackage names the current kernel package: linux-image-6.1.0-N-amd64.
pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
	sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -n 1)
[ -n "$pkg" ] || { echo "guest-build: apt-cache knows no linux-image-amd64 (apt-get update?)" >&2; exit 1; }
stamp="$pkg $(cksum <"$init") $(cksum <"$busybox")"
if [ -f "$cache/stamp" ] && [ "$(cat "$cache/stamp")" = "$stamp" ] &&
   [ -f "$cache/vmlinuz" ] && [ -f "$cache/initrd.gz" ]; then
	cat "$cache/kver"
	exit 0
fi
rm -f "$cache/stamp"

# Download (once per package version) and unpack.
if ! ls "$cache"/dl/"$pkg"_*.deb >/dev/null 2>&1; then
	rm -rf "$cache/dl" && mkdir -p "$cache/dl"
	(cd "$cache/dl" && apt-get download "$pkg" >/dev/null 2>"$cache/dl/log") ||
		{ cat "$cache/dl/log" >&2; echo "guest-build: apt-get download $pkg failed" >&2; exit 1; }
fi
rm -rf "$cache/pkg"
dpkg-deb -x "$cache"/dl/"$pkg"_*.deb "$cache/pkg"
kver=$(ls "$cache/pkg/lib/modules")
mods=$cache/pkg/lib/modules/$kver
depmod -b "$cache/pkg" "$kver"

# The initramfs tree: busybox, the modules nvme.ko needs (dependencies
# first: modules.dep lists them nearest first), /init.
root=$cache/root
rm -rf "$root"
mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/sys" "$root/tmp" "$root/lib/modules"
cp "$busybox" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
dep=$(sed -n 's|^kernel/drivers/nvme/host/nvme\.ko:||p' "$mods/modules.dep")
order=""
for m in $dep; do order="$m $order"; done
order="$order kernel/drivers/nvme/host/nvme.ko"
: >"$root/lib/modules/order"
for m in $order; do
	f=$(basename "$m")
	case $f in
	*.xz)  xz -dc "$mods/$m" >"$root/lib/modules/${f%.xz}"; f=${f%.xz} ;;
	*.zst) zstd -qdc "$mods/$m" >"$root/lib/modules/${f%.zst}"; f=${f%.zst} ;;
	*)     cp "$mods/$m" "$root/lib/modules/$f" ;;
	esac
	echo "$f" >>"$root/lib/modules/order"
done
cp "$init" "$root/init"
chmod 755 "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$cache/initrd.gz"
cp "$cache"/pkg/boot/vmlinuz-"$kver" "$cache/vmlinuz"
echo "$kver" >"$cache/kver"
rm -rf "$cache/pkg" "$root"
echo "$stamp" >"$cache/stamp"
echo "$kver"
