using Replicator.Redrive;

namespace Replicator.Tests.Redrive;

/// <summary>
/// A queue in memory that keeps SQS's contract where a redrive depends on it: a received message
/// is hidden until it is deleted or released (its visibility timeout never passes on its own here,
/// unless <see cref="Expire"/> says so), each receipt has its own handle, and only a delete with a
/// current handle removes a message.
/// </summary>
internal sealed class InMemoryLetterQueue : ILetterQueue
{
    private readonly object _gate = new();
    private readonly List<Entry> _entries = [];
    private int _receipts;

    /// <summary>Before each delete, with its messages: throw to fail the request, or return the ids to leave undeleted.</summary>
    public Func<IReadOnlyList<QueuedMessage>, IReadOnlyList<string>> DeleteFault { get; set; } = _ => [];

    public List<TimeSpan> VisibilityTimeouts { get; } = [];

    /// <summary>Receive calls made.</summary>
    public int Receives { get; private set; }

    /// <summary>After each receive is answered (e.g. <see cref="Expire"/>: a visibility timeout shorter than the work).</summary>
    public Action AfterReceive { get; set; } = () => { };

    public int Deletes { get; private set; }

    public string Send(string body)
    {
        lock (_gate)
        {
            var id = $"m{_entries.Count + 1}";
            _entries.Add(new Entry(id, body));
            return id;
        }
    }

    /// <summary>Bodies of every message still in the queue, hidden or not.</summary>
    public IReadOnlyList<string> Bodies
    {
        get
        {
            lock (_gate)
            {
                return [.. _entries.Select(entry => entry.Body)];
            }
        }
    }

    public int Visible
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count(entry => entry.Handle is null);
            }
        }
    }

    /// <summary>Every hidden message's visibility timeout passes.</summary>
    public void Expire()
    {
        lock (_gate)
        {
            _entries.ForEach(entry => entry.Handle = null);
        }
    }

    public Task<IReadOnlyList<QueuedMessage>> ReceiveAsync(int max, TimeSpan visibility, CancellationToken cancellationToken)
    {
        Assert.InRange(max, 1, 10);
        lock (_gate)
        {
            VisibilityTimeouts.Add(visibility);
            var received = new List<QueuedMessage>();
            foreach (var entry in _entries.Where(entry => entry.Handle is null).Take(max))
            {
                entry.Handle = $"receipt-{++_receipts}";
                received.Add(new QueuedMessage(entry.Id, entry.Handle, entry.Body));
            }

            Receives++;
            AfterReceive();
            return Task.FromResult<IReadOnlyList<QueuedMessage>>(received);
        }
    }

    public Task<IReadOnlyDictionary<string, string>> DeleteAsync(IReadOnlyList<QueuedMessage> messages, CancellationToken cancellationToken)
    {
        var left = DeleteFault(messages);
        lock (_gate)
        {
            Deletes++;
            var failed = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var message in messages)
            {
                if (left.Contains(message.MessageId))
                {
                    failed[message.MessageId] = "InternalError: try again";
                }
                else if (_entries.RemoveAll(entry => entry.Handle == message.ReceiptHandle) == 0)
                {
                    failed[message.MessageId] = "ReceiptHandleIsInvalid";
                }
            }

            return Task.FromResult<IReadOnlyDictionary<string, string>>(failed);
        }
    }

    public Task ReleaseAsync(IReadOnlyList<QueuedMessage> messages, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            foreach (var entry in _entries.Where(entry => messages.Any(message => message.ReceiptHandle == entry.Handle)))
            {
                entry.Handle = null;
            }
        }

        return Task.CompletedTask;
    }

    private sealed class Entry(string id, string body)
    {
        public string Id { get; } = id;

        public string Body { get; } = body;

        /// <summary>The current receipt's handle while hidden; null while visible.</summary>
        public string? Handle { get; set; }
    }
}
