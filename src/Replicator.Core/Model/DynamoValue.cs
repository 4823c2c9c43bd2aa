namespace Replicator.Model;

/// <summary>The ten DynamoDB attribute types, named as on the wire.</summary>
public enum DynamoType : byte { S, N, B, BOOL, NULL, M, L, SS, NS, BS }

/// <summary>
/// One DynamoDB attribute value, free of the AWS SDK. Numbers stay the exact strings DynamoDB
/// sent (no double rounding); binary stays bytes. Immutable.
/// </summary>
public sealed class DynamoValue : IEquatable<DynamoValue>
{
    private readonly object? _value;

    private DynamoValue(DynamoType type, object? value)
    {
        Type = type;
        _value = value;
    }

    public DynamoType Type { get; }

    public static readonly DynamoValue Null = new(DynamoType.NULL, null);
    public static readonly DynamoValue True = new(DynamoType.BOOL, true);
    public static readonly DynamoValue False = new(DynamoType.BOOL, false);

    public static DynamoValue String(string value) => new(DynamoType.S, value);

    /// <summary>A number, kept as the exact decimal string given. Call <see cref="DynamoNumber.IsValid"/> first for untrusted text.</summary>
    public static DynamoValue Number(string value) => new(DynamoType.N, value);

    public static DynamoValue Binary(byte[] value) => new(DynamoType.B, value);

    public static DynamoValue Bool(bool value) => value ? True : False;

    public static DynamoValue Map(IReadOnlyDictionary<string, DynamoValue> value) => new(DynamoType.M, value);

    public static DynamoValue List(IReadOnlyList<DynamoValue> value) => new(DynamoType.L, value);

    public static DynamoValue StringSet(IReadOnlyList<string> value) => new(DynamoType.SS, value);

    public static DynamoValue NumberSet(IReadOnlyList<string> value) => new(DynamoType.NS, value);

    public static DynamoValue BinarySet(IReadOnlyList<byte[]> value) => new(DynamoType.BS, value);

    public string AsString() => Type == DynamoType.S ? (string)_value! : throw WrongType(DynamoType.S);

    public string AsNumber() => Type == DynamoType.N ? (string)_value! : throw WrongType(DynamoType.N);

    public byte[] AsBinary() => Type == DynamoType.B ? (byte[])_value! : throw WrongType(DynamoType.B);

    public bool AsBool() => Type == DynamoType.BOOL ? (bool)_value! : throw WrongType(DynamoType.BOOL);

    public IReadOnlyDictionary<string, DynamoValue> AsMap() =>
        Type == DynamoType.M ? (IReadOnlyDictionary<string, DynamoValue>)_value! : throw WrongType(DynamoType.M);

    public IReadOnlyList<DynamoValue> AsList() =>
        Type == DynamoType.L ? (IReadOnlyList<DynamoValue>)_value! : throw WrongType(DynamoType.L);

    public IReadOnlyList<string> AsStringSet() =>
        Type == DynamoType.SS ? (IReadOnlyList<string>)_value! : throw WrongType(DynamoType.SS);

    public IReadOnlyList<string> AsNumberSet() =>
        Type == DynamoType.NS ? (IReadOnlyList<string>)_value! : throw WrongType(DynamoType.NS);

    public IReadOnlyList<byte[]> AsBinarySet() =>
        Type == DynamoType.BS ? (IReadOnlyList<byte[]>)_value! : throw WrongType(DynamoType.BS);

    private InvalidOperationException WrongType(DynamoType wanted) =>
        new($"The attribute value is of type {Type}, not {wanted}.");

    /// <summary>
    /// Semantic equality, as DynamoDB sees values: sets are unordered, numbers compare as
    /// decimals (<c>1E+3</c> equals <c>1000</c>), binary compares as bytes.
    /// </summary>
    public bool Equals(DynamoValue? other)
    {
        if (other is null || other.Type != Type)
        {
            return false;
        }

        if (ReferenceEquals(this, other))
        {
            return true;
        }

        return Type switch
        {
            DynamoType.S => AsString() == other.AsString(),
            DynamoType.N => DynamoNumber.Canonical(AsNumber()) == DynamoNumber.Canonical(other.AsNumber()),
            DynamoType.B => AsBinary().AsSpan().SequenceEqual(other.AsBinary()),
            DynamoType.BOOL => AsBool() == other.AsBool(),
            DynamoType.NULL => true,
            DynamoType.M => MapsEqual(AsMap(), other.AsMap()),
            DynamoType.L => AsList().SequenceEqual(other.AsList()),
            DynamoType.SS => SetEqual(AsStringSet(), other.AsStringSet(), s => s),
            DynamoType.NS => SetEqual(AsNumberSet(), other.AsNumberSet(), DynamoNumber.Canonical),
            DynamoType.BS => SetEqual(AsBinarySet(), other.AsBinarySet(), Convert.ToBase64String),
            _ => false,
        };
    }

    /// <summary>Equal maps: the same names, each with an equal value. Two images with the same bytes are equal without being read (verify's common case).</summary>
    public static bool MapsEqual(IReadOnlyDictionary<string, DynamoValue> a, IReadOnlyDictionary<string, DynamoValue> b) =>
        (a is RawImage rawA && b is RawImage rawB && rawA.Json.Span.SequenceEqual(rawB.Json.Span))
        || (a.Count == b.Count && a.All(pair => b.TryGetValue(pair.Key, out var value) && pair.Value.Equals(value)));

    private static bool SetEqual<T>(IReadOnlyList<T> a, IReadOnlyList<T> b, Func<T, string> canonical) =>
        a.Count == b.Count && a.Select(canonical).ToHashSet(StringComparer.Ordinal).SetEquals(b.Select(canonical));

    public override bool Equals(object? obj) => Equals(obj as DynamoValue);

    public override int GetHashCode() => Type switch
    {
        DynamoType.S => HashCode.Combine(Type, AsString()),
        DynamoType.N => HashCode.Combine(Type, DynamoNumber.Canonical(AsNumber())),
        DynamoType.BOOL => HashCode.Combine(Type, AsBool()),
        _ => Type.GetHashCode(),
    };

    /// <summary>DynamoDB JSON, e.g. <c>{"N":"1"}</c>: for messages and logs.</summary>
    public override string ToString() => DynamoJson.ToJson(this);
}
