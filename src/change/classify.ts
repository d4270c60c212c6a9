import { SYMLINK_MODE, type ChangeKind } from './change.js';

export interface ChangeShape {
  readonly oldPath: string | null;
  readonly newPath: string | null;
  readonly oldMode: string | null;
  readonly newMode: string | null;
  /** True when the bytes differ (for symlinks: the target). */
  readonly isContentChanged: boolean;
}

/**
 * Names a change by what matters most to a reviewer: a new symlink is a `symlink` (where it points is
 * the news), a move is a `renamed` even if also edited, and `mode` is only a change of mode alone.
 */
export function classifyChange(shape: ChangeShape): ChangeKind {
  const isOldLink = shape.oldMode === SYMLINK_MODE;
  const isNewLink = shape.newMode === SYMLINK_MODE;
  if (shape.oldPath === null) return isNewLink ? 'symlink' : 'added';
  if (shape.newPath === null) return 'deleted';
  if (shape.oldPath !== shape.newPath) return 'renamed';
  if ((isOldLink || isNewLink) && (isOldLink !== isNewLink || shape.isContentChanged)) return 'symlink';
  if (!shape.isContentChanged && shape.oldMode !== shape.newMode) return 'mode';
  return 'modified';
}
