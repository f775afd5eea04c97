/** The tag beside a member's name (see memberTag): the part of its identity the member cannot choose. */
import { memberTag } from '../app/display-name.js';

export function MemberTag({ memberId, testId }: { memberId: string; testId?: string }) {
  const tag = memberTag(memberId);
  return (
    <span data-testid={testId} className="shrink-0 font-mono text-[0.7rem] opacity-70" title={`Member #${tag}: the room gives this tag, names are chosen`}>
      #{tag}
    </span>
  );
}
