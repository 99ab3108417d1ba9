/**
 * Dense ids for string names (entities or relations) in first-seen order, the mapping every
 * named-triple importer (TSV, Arrow/Parquet utf8 columns) shares so ids agree across splits.
 */
export class NameIndex {
  /** names[id] is the name of `id`. shape: [size] */
  readonly names: string[] = [];
  private readonly ids = new Map<string, number>();

  /** Builds an index from names already numbered 0..n-1 (e.g. an entities.dict). */
  static fromNames(names: readonly string[]): NameIndex {
    const index = new NameIndex();
    for (const name of names) {
      if (index.ids.has(name)) throw new Error(`duplicate name '${name}' in NameIndex.fromNames`);
      index.idOf(name);
    }
    return index;
  }

  /** Number of distinct names seen so far. */
  get size(): number {
    return this.names.length;
  }

  /** The id of `name`, assigning the next id when the name is new. */
  idOf(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.ids.set(name, id);
      this.names.push(name);
    }
    return id;
  }

  /** The id of `name`, or undefined when it has never been seen (assigns nothing). */
  lookup(name: string): number | undefined {
    return this.ids.get(name);
  }
}
