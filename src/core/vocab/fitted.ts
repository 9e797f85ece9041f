// Lists kept for the whole analysis at the size of what they hold.

/**
 * The items of a list grown by push, in an array of their number. V8 gives an array grown from empty room
 * for 17 items at its first push (new capacity = old + old / 2 + 16): a list kept for the whole analysis
 * (a device's dependencies, an entry's protections, a config's volume references) is then 152 bytes for
 * one item, and the garbage collector copies all of it twice before it settles in the old generation
 * (~6 MB of 10,000 devices' lists were such room). An empty list has no room: it is returned as it is.
 */
export function fitted<T>(list: T[]): T[] {
  return list.length === 0 ? list : list.slice();
}

/**
 * The one empty list of every record that holds none (a device's holders and processes, an entry's
 * protections): 20,000 empty arrays fewer at 10,000 devices. Frozen: code that pushes to it throws, it
 * cannot hand the item to every record; a list that grows is replaced (`list === NONE ? [x] : ...`).
 */
export const NONE = Object.freeze([]) as unknown as never[];
