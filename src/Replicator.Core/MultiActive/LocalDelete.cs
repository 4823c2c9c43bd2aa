using Replicator.Model;

namespace Replicator.MultiActive;

/// <summary>
/// An application's delete (or TTL's) in this region: given a version, kept as a tombstone here
/// first (so nothing older can come back in from now on), then anything older that came back in
/// before the tombstone is deleted here, and the delete is forwarded. If a newer tombstone
/// stands already, a newer delete won and carries on without this one.
/// </summary>
internal sealed class LocalDelete(ReplicaContext context, KeyReplication run, ChangeRecord record)
{
    public async Task RunAsync()
    {
        var before = context.MetadataOf(record.OldImage);
        var version = ItemVersion.Next(record.ApproximateCreationTime!.Value, before?.Version, context.Region, record.SequenceNumber);
        var seen = (before?.Seen ?? SeenVersions.None).With(version);
        var stone = new Tombstone(run.Key, version, seen, context.Time.GetUtcNow() + context.Settings.TombstoneRetention);
        if (await Forwarding.WriteTombstoneAsync(context.Local, run, stone).ConfigureAwait(false) is not TableWriteOutcome.Written)
        {
            return;
        }

        run.Count(new MultiActiveCounts { Versioned = 1 });
        await new Deletion(context, run, version, seen).RemoveHereAsync().ConfigureAwait(false);
        await new Forwarding(context, run).DeleteAsync(stone).ConfigureAwait(false);
    }
}
