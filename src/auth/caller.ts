export type Role = 'admin' | 'officer' | 'applicant';

export const ROLES: readonly Role[] = ['admin', 'officer', 'applicant'];

/** Who is calling, as the verified token says. */
export interface Caller {
  id: string;
  role: Role;
  department: string | null;
}
