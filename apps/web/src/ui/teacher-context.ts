import { createContext, useContext } from 'react';
import type { ClassRoster } from '../model/class-roster.ts';
import type { TeacherSession } from '../model/teacher.ts';

/** What only the teacher page has: the key's requests and the class list. */
export interface Teacher {
  session: TeacherSession;
  roster: ClassRoster;
}

export const TeacherContext = createContext<Teacher | null>(null);

export function useTeacher(): Teacher {
  const teacher = useContext(TeacherContext);
  if (!teacher) throw new Error('useTeacher outside <TeacherContext>');
  return teacher;
}
