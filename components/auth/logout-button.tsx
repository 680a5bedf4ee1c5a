import { LogOut } from 'lucide-react';
import { signOut } from '@/app/login/actions';
import { SubmitButton } from '@/components/ui/submit-button';

export function LogoutButton() {
  return (
    <form action={signOut}>
      <SubmitButton pendingLabel="Signing out…" variant="secondary">
        <LogOut aria-hidden="true" className="size-4" />
        Sign out
      </SubmitButton>
    </form>
  );
}
