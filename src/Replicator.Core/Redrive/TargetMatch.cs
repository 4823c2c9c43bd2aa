using Replicator.Applying;

namespace Replicator.Redrive;

/// <summary>Which of the given targets a letter's <c>target</c> names (as the engine wrote it: region:table, or the ARN it was given).</summary>
internal static class TargetMatch
{
    /// <summary>
    /// The given target the letter names, or null. A region:table and an ARN of the same region
    /// and name match (one spelling was given to replicate, the other to redrive); two ARNs must
    /// be equal, since another account may hold a table of the same name.
    /// </summary>
    public static TargetTable? Find(string named, IReadOnlyList<TargetTable> targets)
    {
        TargetTable letter;
        try
        {
            letter = TargetTables.Parse(named);
        }
        catch (FormatException)
        {
            return null;
        }

        return targets.FirstOrDefault(target => target == letter)
            ?? targets.FirstOrDefault(target => target.Region == letter.Region && target.TableName == letter.TableName && (target.Arn is null || letter.Arn is null));
    }
}
