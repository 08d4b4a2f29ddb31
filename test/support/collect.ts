// Array.fromAsync arrived in Node 22; the bot supports Node 20.
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}
