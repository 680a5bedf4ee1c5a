/** An input's error, referenced by the input's aria-describedby. */
export function FieldError({ id, message }: { id: string; message: string | null | undefined }) {
  if (!message) return null;
  return (
    <p id={id} className="text-sm text-red-800">
      {message}
    </p>
  );
}
