# Assertions on a `pve-health volumes --json` document, shared by the real-stack suites (host/ceph.sh on
# the host, zfs/zfs-guest.sh in the testbed guest as ./lib/). The suite sets J (the document's path) and
# defines its own vrun (how it runs the product); pass/fail come from assert.sh.

# An entry's key: volid, volid@snap, volid#trash (a Ceph trash entry).
VA_KEY='const k = (e) => e.volid + (e.snapshot ? "@" + e.snapshot : "") + (e.trash ? "#trash" : "");'

# Prints every entry (for a reader of the log) - key status reason protected pending hint
vdump() {
  node -e 'const d=JSON.parse(require("fs").readFileSync(process.argv[1]));'"$VA_KEY"'
for (const s of d.volumes.storages ?? []) console.log("   storage", s.storage, s.status, s.error ?? "");
for (const e of d.volumes.entries) console.log("  ", k(e), e.status, e.reason, "prot=" + e.protected + (e.protectedBy?.length ? "(" + e.protectedBy + ")" : ""), "pend=" + e.pending, "open=" + e.open, e.hint ? "HINT: " + e.hint : "", "|", e.detail)' "$J"
}

# expect WHAT KEY COND...: the entry KEY of the last run meets every COND: field=value (status, reason,
# protected, pending, open), hint= (no hint), hint~text, detail~text, by~text (protectedBy), hint!~text (the
# field lacks text), absent.
expect() {
  local what=$1
  shift
  local out
  if out=$(node -e '
const d = JSON.parse(require("fs").readFileSync(process.argv[1]));
const [key, ...conds] = process.argv.slice(2);'"$VA_KEY"'
const e = d.volumes.entries.find((x) => k(x) === key);
const bad = [];
if (conds[0] === "absent") { if (e) bad.push("present: " + e.status + " " + e.reason); }
else if (!e) bad.push("no entry " + key);
else for (const c of conds) {
  let m;
  if ((m = /^(\w+)!~(.*)$/s.exec(c))) {
    const v = m[1] === "by" ? (e.protectedBy ?? []).join(",") : String(e[m[1]] ?? "");
    if (v.includes(m[2])) bad.push(`${m[1]} "${v}" has "${m[2]}"`);
  } else if ((m = /^(\w+)~(.*)$/s.exec(c))) {
    const v = m[1] === "by" ? (e.protectedBy ?? []).join(",") : String(e[m[1]] ?? "");
    if (!v.includes(m[2])) bad.push(`${m[1]} "${v}" lacks "${m[2]}"`);
  } else if ((m = /^(\w+)=(.*)$/s.exec(c))) {
    const v = e[m[1]];
    if (m[1] === "hint" && m[2] === "") { if (v) bad.push(`hint "${v}"`); }
    else if (String(v) !== m[2]) bad.push(`${m[1]}=${v}, want ${m[2]}`);
  }
}
if (bad.length) { console.log(bad.join("; ")); process.exit(1); }' "$J" "$@" 2>&1); then
    pass "$what"
  else
    fail "$what: $out"
  fi
}

# hint_of KEY: the entry's hint, as printed.
hint_of() {
  node -e 'const d=JSON.parse(require("fs").readFileSync(process.argv[1]));'"$VA_KEY"'const e=d.volumes.entries.find(x=>k(x)===process.argv[2]);process.stdout.write(e?.hint??"")' "$J" "$1"
}

# storage_is STORAGE ok|unknown [error-text]
storage_is() {
  node -e 'const d=JSON.parse(require("fs").readFileSync(process.argv[1]));const s=(d.volumes.storages??[]).find(x=>x.storage===process.argv[2]);
if(!s||s.status!==process.argv[3]||(process.argv[4]&&!String(s.error??"").includes(process.argv[4]))){console.log(JSON.stringify(s));process.exit(1)}' "$J" "$@"
}
