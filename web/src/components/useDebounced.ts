import { useEffect, useState } from 'react';

/** useDebounced returns value once it has stopped changing for delay ms. */
export function useDebounced<V>(value: V, delay = 250): V {
  const [v, setV] = useState(value);
  useEffect(() => {
    const id = setTimeout(() => setV(value), delay);
    return () => clearTimeout(id);
  }, [value, delay]);
  return v;
}
