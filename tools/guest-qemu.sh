#!/bin/sh
# guest-qemu.sh CACHE [QEMU ARGS...]: runs the guest that guest-build.sh
# made in CACHE on qemu-system-x86_64 (q35, serial console on stdout, no
# reboot: the guest's poweroff ends QEMU), with the caller's devices.
#
# Accelerator: GUEST_ACCEL (kvm or tcg) if set; otherwise KVM when
# /dev/kvm is usable and a probe boot under it reaches the guest's /init
# within 20 s, else TCG. The probe's answer is kept in CACHE/accel for
# this host kernel and QEMU (a nested /dev/kvm can exist and still never
# run a guest). The choice and why go to stderr as one line:
#   guest-qemu: accelerator tcg (KVM probe: no guest output in 20 s)
# GUEST_MEM is the guest's RAM in MiB (default 120: below the 128 MiB
# where an SMMU host's MSI window sits, see docs/guide.md); GUEST_APPEND
# adds to the guest's command line (loglevel=7 shows its whole boot).
cache=$1
[ -n "$cache" ] && [ -f "$cache/vmlinuz" ] && [ -f "$cache/initrd.gz" ] ||
	{ echo "usage: guest-qemu.sh CACHE [QEMU ARGS...] (CACHE from guest-build.sh)" >&2; exit 2; }
shift
qemu=qemu-system-x86_64
command -v $qemu >/dev/null 2>&1 || { echo "guest-qemu: $qemu is missing (Debian: qemu-system-x86)" >&2; exit 1; }

# probe: kvm or tcg, and why. It boots this script itself with KVM
# forced and the guest told to say it is alive and power off at once.
probe() {
	if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
		echo "tcg (no usable /dev/kvm)"
		return
	fi
	out=$(GUEST_ACCEL=kvm GUEST_PROBE=1 \
		timeout 20 sh "$0" "$cache" </dev/null 2>&1)
	case $out in
	*"guest: alive"*) echo "kvm (/dev/kvm, probe boot ok)" ;;
	*) echo "tcg (KVM probe: no guest output in 20 s)" ;;
	esac
}

if [ -n "$GUEST_ACCEL" ]; then
	choice="$GUEST_ACCEL (GUEST_ACCEL)"
else
	key="$(uname -r) $($qemu --version | head -n 1)"
	if [ -f "$cache/accel" ] && [ "$(sed -n 1p "$cache/accel")" = "$key" ]; then
		choice=$(sed -n 2p "$cache/accel")
	else
		choice=$(probe)
		printf '%s\n%s\n' "$key" "$choice" >"$cache/accel"
	fi
fi
[ -n "$GUEST_PROBE" ] || echo "guest-qemu: accelerator $choice" >&2
exec $qemu -machine q35,accel="${choice%% *}" -m "${GUEST_MEM:-120}" -nodefaults -display none \
	-serial stdio -no-reboot -kernel "$cache/vmlinuz" -initrd "$cache/initrd.gz" \
	-append "console=ttyS0 panic=-1 quiet${GUEST_PROBE:+ guest.probe} $GUEST_APPEND" "$@"
