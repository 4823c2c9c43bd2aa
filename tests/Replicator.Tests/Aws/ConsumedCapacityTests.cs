using System.Text;
using Replicator.Aws.Http;

namespace Replicator.Tests.Aws;

/// <summary>The units an answer says its request consumed (<c>ReturnConsumedCapacity: TOTAL</c>), as Scan, BatchGetItem and BatchWriteItem answer them.</summary>
public sealed class ConsumedCapacityTests
{
    [Fact]
    public void Read_ScanAnswer_TakesTheOneTablesUnits_AfterItsItems()
    {
        var answer = """{"Items":[{"pk":{"S":"a"}}],"Count":1,"ScannedCount":1,"LastEvaluatedKey":{"pk":{"S":"a"}},"ConsumedCapacity":{"TableName":"users","CapacityUnits":128.5}}""";
        Assert.Equal(128.5, ConsumedCapacity.Read(Encoding.UTF8.GetBytes(answer)));
    }

    [Fact]
    public void Read_BatchAnswer_SumsEveryTablesUnits()
    {
        var answer = """{"UnprocessedItems":{},"ConsumedCapacity":[{"TableName":"users","CapacityUnits":25.0},{"TableName":"arn:aws:dynamodb:us-west-2:1:table/users","CapacityUnits":5}]}""";
        Assert.Equal(30, ConsumedCapacity.Read(Encoding.UTF8.GetBytes(answer)));
    }

    [Theory]
    [InlineData("""{"UnprocessedItems":{}}""")]
    [InlineData("""{"Responses":{"users":[]},"UnprocessedKeys":{}}""")]
    [InlineData("[]")]
    public void Read_AnswerWithoutConsumedCapacity_IsNull_SoTheEstimateStands(string answer) =>
        Assert.Null(ConsumedCapacity.Read(Encoding.UTF8.GetBytes(answer)));
}
