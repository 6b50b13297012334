// libstdc++'s std::sort (introsort: median-of-three quicksort down to runs of 16, heapsort
// when recursion gets too deep, then one insertion sort), step for step.
//
// Why imitate it: bpftrace 0.17 names kernel addresses through bcc, which sorts the
// kallsyms text symbols with std::sort comparing addresses only. Sorting is unstable, so
// when several symbols share an address (`_stext`/`_text`, `__x64_sys_X`/`__ia32_sys_X`)
// the name bpftrace prints is whichever one this exact algorithm leaves last among them.
// A stable sort would pick differently; replaying the algorithm picks the same.

const THRESHOLD = 16;

/** Sorts `v` in place exactly as libstdc++'s std::sort(begin, end, less) would. */
export function stlSort<T>(v: T[], less: (a: T, b: T) => boolean): void {
  const n = v.length;
  if (n < 2) return;
  introsortLoop(v, 0, n, 2 * Math.floor(Math.log2(n)), less);
  if (n > THRESHOLD) {
    insertionSort(v, 0, THRESHOLD, less);
    for (let i = THRESHOLD; i < n; i++) unguardedLinearInsert(v, i, less);
  } else {
    insertionSort(v, 0, n, less);
  }
}

function at<T>(v: T[], i: number): T {
  return v[i] as T;
}

function swap<T>(v: T[], a: number, b: number): void {
  const t = at(v, a);
  v[a] = at(v, b);
  v[b] = t;
}

function introsortLoop<T>(
  v: T[],
  first: number,
  last: number,
  depth: number,
  less: (a: T, b: T) => boolean,
): void {
  while (last - first > THRESHOLD) {
    if (depth === 0) {
      heapSort(v, first, last, less);
      return;
    }
    depth--;
    const mid = first + Math.floor((last - first) / 2);
    moveMedianToFirst(v, first, first + 1, mid, last - 1, less);
    const cut = unguardedPartition(v, first + 1, last, first, less);
    introsortLoop(v, cut, last, depth, less);
    last = cut;
  }
}

function moveMedianToFirst<T>(
  v: T[],
  result: number,
  a: number,
  b: number,
  c: number,
  less: (x: T, y: T) => boolean,
): void {
  if (less(at(v, a), at(v, b))) {
    if (less(at(v, b), at(v, c))) swap(v, result, b);
    else if (less(at(v, a), at(v, c))) swap(v, result, c);
    else swap(v, result, a);
  } else if (less(at(v, a), at(v, c))) swap(v, result, a);
  else if (less(at(v, b), at(v, c))) swap(v, result, c);
  else swap(v, result, b);
}

function unguardedPartition<T>(
  v: T[],
  first: number,
  last: number,
  pivot: number,
  less: (a: T, b: T) => boolean,
): number {
  for (;;) {
    while (less(at(v, first), at(v, pivot))) first++;
    last--;
    while (less(at(v, pivot), at(v, last))) last--;
    if (!(first < last)) return first;
    swap(v, first, last);
    first++;
  }
}

function insertionSort<T>(
  v: T[],
  first: number,
  last: number,
  less: (a: T, b: T) => boolean,
): void {
  for (let i = first + 1; i < last; i++) {
    if (less(at(v, i), at(v, first))) {
      const val = at(v, i);
      for (let j = i; j > first; j--) v[j] = at(v, j - 1);
      v[first] = val;
    } else {
      unguardedLinearInsert(v, i, less);
    }
  }
}

function unguardedLinearInsert<T>(v: T[], last: number, less: (a: T, b: T) => boolean): void {
  const val = at(v, last);
  let next = last - 1;
  while (less(val, at(v, next))) {
    v[last] = at(v, next);
    last = next;
    next--;
  }
  v[last] = val;
}

// std::partial_sort(first, last, last): make_heap then sort_heap.
function heapSort<T>(v: T[], first: number, last: number, less: (a: T, b: T) => boolean): void {
  const len = last - first;
  if (len >= 2) {
    for (let parent = Math.floor((len - 2) / 2); ; parent--) {
      adjustHeap(v, first, parent, len, at(v, first + parent), less);
      if (parent === 0) break;
    }
  }
  while (last - first > 1) {
    last--;
    const value = at(v, last);
    v[last] = at(v, first);
    adjustHeap(v, first, 0, last - first, value, less);
  }
}

function adjustHeap<T>(
  v: T[],
  first: number,
  holeIndex: number,
  len: number,
  value: T,
  less: (a: T, b: T) => boolean,
): void {
  const topIndex = holeIndex;
  let secondChild = holeIndex;
  while (secondChild < Math.floor((len - 1) / 2)) {
    secondChild = 2 * (secondChild + 1);
    if (less(at(v, first + secondChild), at(v, first + secondChild - 1))) secondChild--;
    v[first + holeIndex] = at(v, first + secondChild);
    holeIndex = secondChild;
  }
  if ((len & 1) === 0 && secondChild === Math.floor((len - 2) / 2)) {
    secondChild = 2 * (secondChild + 1);
    v[first + holeIndex] = at(v, first + secondChild - 1);
    holeIndex = secondChild - 1;
  }
  let parent = Math.floor((holeIndex - 1) / 2);
  while (holeIndex > topIndex && less(at(v, first + parent), value)) {
    v[first + holeIndex] = at(v, first + parent);
    holeIndex = parent;
    parent = Math.floor((holeIndex - 1) / 2);
  }
  v[first + holeIndex] = value;
}
