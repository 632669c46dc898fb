#!/bin/sh
# sstrip.sh FILE — drop an ELF64 executable's section headers and what follows its last
# loaded segment (.comment, .shstrtab, the section header table: ~1.1 KB of build/tend-static).
# The kernel loads a program by its program headers alone, so it runs exactly as before;
# only tools that read sections (objdump -d, gdb) see less, and the file is stripped already.
set -eu
f=$1
[ "$(od -An -tu1 -j4 -N1 "$f" | tr -d ' ')" = 2 ] || { echo "sstrip: $f: not ELF64" >&2; exit 1; }
end=0
for e in $(readelf -lW "$f" | awk '$1 == "LOAD" { print $2 "+" $5 }'); do
	e=$(($e))
	[ "$e" -gt "$end" ] && end=$e
done
shoff=$(readelf -hW "$f" | awk '/Start of section headers/ { print $5 }')
[ "$end" -gt 0 ] && [ "$shoff" -ge "$end" ] || { echo "sstrip: $f: sections inside the segments" >&2; exit 1; }
printf '\0\0\0\0\0\0\0\0' | dd of="$f" bs=1 seek=40 conv=notrunc status=none # e_shoff
printf '\0\0\0\0' | dd of="$f" bs=1 seek=60 conv=notrunc status=none         # e_shnum, e_shstrndx
truncate -s "$end" "$f"
