# Shared helpers of the reclaim suites (sourced): JSON queries, checksums, the journal, a pausing wrapper.
# Used by suites/reclaim.sh (LVM in the testbed guest), zfs/zfs-guest.sh and host/ceph.sh.

# jget FILE EXPR: the value of the JavaScript expression EXPR over the JSON document `d` in FILE
# (a string as it is, anything else as JSON; undefined prints nothing).
jget() {
  node -e 'const d=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));const v=new Function("d","return ("+process.argv[2]+")")(d);if(v!==undefined)console.log(typeof v==="string"?v:JSON.stringify(v))' "$1" "$2"
}

# sha_of PATH: sha256 of a file or block device (the whole of it).
sha_of() { sha256sum "$1" | cut -d' ' -f1; }

# newest_journal ROOT KIND: the newest journal of KIND (reclaim, restore) under ROOT.
newest_journal() { ls -t "$1"/var/lib/pve-health/journal/"$2"-*.json 2>/dev/null | head -1; }

# journal_ops FILE: "kind op result" of each step in a journal, one a line.
journal_ops() { jget "$1" 'd.actions.map(a=>`${a.kind} ${a.reclaim?a.reclaim.op:"-"} ${a.result}`).join("\n")'; }

# pause_wrapper DIR TOOL: DIR/TOOL runs the real TOOL (found on PATH now) once DIR/TOOL.go can be read:
# it writes its PID to DIR/TOOL.pid and its argv to DIR/TOOL.argv, then blocks on the fifo DIR/TOOL.go.
# Put DIR first on PATH for the run to stop right before that command: the step before it has run,
# the step itself has not (a kill then leaves the state between two steps).
pause_wrapper() {
  local dir=$1 tool=$2 real
  real=$(command -v "$tool") || return 1
  mkdir -p "$dir"
  rm -f "$dir/$tool.go" "$dir/$tool.pid" "$dir/$tool.argv"
  mkfifo "$dir/$tool.go"
  cat >"$dir/$tool" <<WRAP
#!/bin/sh
echo \$\$ >'$dir/$tool.pid'
printf '%s\n' "\$*" >'$dir/$tool.argv'
read _ <'$dir/$tool.go'
exec '$real' "\$@"
WRAP
  chmod 755 "$dir/$tool"
}

# wait_for FILE [SECONDS]: until FILE exists (default 60 s); non-zero when it never came.
wait_for() {
  local i=0 n=$((${2:-60} * 10))
  while [ ! -e "$1" ]; do
    i=$((i + 1)); [ "$i" -le "$n" ] || return 1
    sleep 0.1
  done
}

# step_kinds FILE VOLID SNAP: the next steps of the snapshot entry VOLID@SNAP in the check or volumes
# document FILE, "kind:program" each in order (a step in words only: its kind).
step_kinds() {
  node -e 'const d=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));
const e=d.volumes.entries.find((x)=>x.volid===process.argv[2]&&x.snapshot===process.argv[3]);
console.log((e?.steps??[]).map((s)=>s.kind+(s.command?":"+s.command[0]:"")).join(" "))' "$@"
}
