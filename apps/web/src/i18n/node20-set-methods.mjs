// The pinned i18next-cli asks for Node 22 (it calls Set.prototype.union, ES2025); the project
// runs Node 20. Loaded with `node --import` before the tool: the ES2025 Set methods where the
// runtime lacks them, nothing otherwise. Each follows the spec's result, not its edge cases
// (the tool passes plain Sets).
const methods = {
  union(other) {
    const out = new Set(this);
    for (const v of other.keys()) out.add(v);
    return out;
  },
  intersection(other) {
    const out = new Set();
    for (const v of this) if (other.has(v)) out.add(v);
    return out;
  },
  difference(other) {
    const out = new Set();
    for (const v of this) if (!other.has(v)) out.add(v);
    return out;
  },
  symmetricDifference(other) {
    const out = new Set(this);
    for (const v of other.keys()) {
      if (this.has(v)) out.delete(v);
      else out.add(v);
    }
    return out;
  },
  isSubsetOf(other) {
    for (const v of this) if (!other.has(v)) return false;
    return true;
  },
  isSupersetOf(other) {
    for (const v of other.keys()) if (!this.has(v)) return false;
    return true;
  },
  isDisjointFrom(other) {
    for (const v of this) if (other.has(v)) return false;
    return true;
  },
};
for (const [name, value] of Object.entries(methods)) {
  if (!(name in Set.prototype)) Object.defineProperty(Set.prototype, name, { value, writable: true, configurable: true });
}
