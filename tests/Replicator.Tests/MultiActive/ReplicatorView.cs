using Replicator.Model;
using Replicator.MultiActive;

namespace Replicator.Tests.MultiActive;

/// <summary>A replicator process stopped dead in the middle of its work (SIGKILL): whatever it had not written is lost.</summary>
internal sealed class SimulatedCrash() : Exception("the replicator was killed");

/// <summary>
/// A region's tables as one replicator process reaches them: before each of its writes the
/// simulation may interleave application writes (<see cref="BeforeWrite"/>), and it can kill the
/// process after a given number of writes (<see cref="CrashAfter"/>); a killed process writes
/// nothing more.
/// </summary>
internal sealed class ReplicatorView(InMemoryRegion region, ReplicatorProcess process) : IRegionTables
{
    public string Region => region.Region;

    public Task<TableWriteOutcome> WriteAsync(TableWrite write, CancellationToken cancellationToken)
    {
        process.BeforeWrite();
        return region.WriteAsync(write, cancellationToken);
    }

    public Task<TransactionOutcome> TransactAsync(IReadOnlyList<TableWrite> writes, CancellationToken cancellationToken)
    {
        process.BeforeWrite();
        return region.TransactAsync(writes, cancellationToken);
    }

    public Task<TableReadOutcome> ReadAsync(string table, IReadOnlyList<ItemKey> keys, CancellationToken cancellationToken)
    {
        process.BeforeRead();
        return region.ReadAsync(table, keys, cancellationToken);
    }
}

/// <summary>The life of one replicator process: the writes it may still make before it is killed, and what happens before each.</summary>
internal sealed class ReplicatorProcess
{
    /// <summary>Writes left before the process is killed; null: it is not going to be.</summary>
    public int? CrashAfter { get; set; }

    public bool Dead { get; private set; }

    /// <summary>Called before each write: the simulation's chance to interleave the application's writes.</summary>
    public Action? Interleave { get; set; }

    public int Writes { get; private set; }

    public void BeforeWrite()
    {
        BeforeRead();
        Interleave?.Invoke();
        if (CrashAfter is { } left)
        {
            if (left == 0)
            {
                Dead = true;
                throw new SimulatedCrash();
            }

            CrashAfter = left - 1;
        }

        Writes++;
    }

    public void BeforeRead()
    {
        if (Dead)
        {
            throw new SimulatedCrash();
        }
    }

    /// <summary>Started again, from its checkpoint.</summary>
    public void Restart()
    {
        Dead = false;
        CrashAfter = null;
    }
}
