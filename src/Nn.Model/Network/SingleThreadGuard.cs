namespace Nn;

/// <summary>
/// Detects a second thread using an object that is not thread-safe while a call on it is in progress, as EF Core's
/// DbContext does: one compare-exchange on entry and one store on exit, no lock. The owning thread may re-enter
/// (Trainer.Fit holds the guard while it calls the network). Misuse throws instead of silently corrupting results.
/// </summary>
internal sealed class SingleThreadGuard(string typeName)
{
    private int _owner;
    private string _activity = "";   // what the owner is doing, for the message only

    /// <summary>Claims the object for this thread; true if this call claimed it (and must <see cref="Exit"/>), false if re-entered.</summary>
    /// <exception cref="InvalidOperationException">Another thread is in a call on the object.</exception>
    public bool Enter(string member)
    {
        int me = Environment.CurrentManagedThreadId;
        int owner = Interlocked.CompareExchange(ref _owner, me, 0);
        if (owner == 0)
        {
            _activity = member;
            return true;
        }
        if (owner == me)
        {
            return false;
        }
        throw Misuse(member, owner, me);
    }

    /// <summary>Releases a claim made by <see cref="Enter"/> when it returned true.</summary>
    public void Exit(bool entered)
    {
        if (entered) Volatile.Write(ref _owner, 0);
    }

    /// <summary>Throws if another thread is in a call; for members that hand out views without doing work.</summary>
    public void Check(string member)
    {
        int owner = Volatile.Read(ref _owner);
        int me = Environment.CurrentManagedThreadId;
        if (owner != 0 && owner != me)
        {
            throw Misuse(member, owner, me);
        }
    }

    private InvalidOperationException Misuse(string member, int owner, int me) => new(
        $"{typeName} is in use by thread {owner} ({_activity}) while thread {me} calls {member}: {typeName} is not thread-safe (it reuses its buffers). " +
        "Use one per thread, or serve predictions from any number of threads with Nn.Serving.Predictor.");
}
