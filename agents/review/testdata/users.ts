import type { Database } from './db';

/** Finds a user by the name typed into the search box. */
export async function findUser(db: Database, name: string) {
  const rows = await db.query(`SELECT id, name, email FROM users WHERE name = '${name}'`);
  return rows[0];
}
