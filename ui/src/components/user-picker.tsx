import { api } from '../api.js';
import { useAsync } from '../hooks.js';

/** A select of the tenant's users; changing it calls `onChange` with the user id. */
export function UserPicker({
  value,
  onChange,
  id = 'user-picker',
}: {
  value: string | undefined;
  onChange: (userId: string) => void;
  id?: string;
}) {
  const users = useAsync(() => api.users(), []);
  return (
    <div class="field">
      <label for={id}>User</label>
      <select id={id} value={value ?? ''} onChange={(event) => onChange((event.target as HTMLSelectElement).value)}>
        <option value="" disabled>
          {users.data ? 'Choose a user…' : 'Loading users…'}
        </option>
        {users.data?.data.map((user) => (
          <option key={user.userId} value={user.userId}>
            {user.userId}
          </option>
        ))}
      </select>
    </div>
  );
}
