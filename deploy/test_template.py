"""The deployment template's promises, read with cfn-lint's own parser (which knows the
intrinsic functions' YAML tags): the function's role may write new inquiries, write its own
logs and publish to the staff's topic, and nothing else; notifications are wired to that topic.

    python3 deploy/test_template.py   (scripts/test runs it after cfn-lint)
"""

import pathlib
import unittest

from cfnlint.decode import decode

TEMPLATE = pathlib.Path(__file__).with_name("template.yaml")


def load():
    template, matches = decode(str(TEMPLATE))
    assert not matches, matches
    return template


class Template(unittest.TestCase):
    def setUp(self):
        self.template = load()
        self.resources = self.template["Resources"]

    def statements(self):
        role = self.resources["IntakeRole"]["Properties"]
        return [s for policy in role["Policies"] for s in policy["PolicyDocument"]["Statement"]]

    def test_the_role_may_do_exactly_these_things(self):
        actions = {}
        for statement in self.statements():
            self.assertEqual(statement["Effect"], "Allow")
            action = statement["Action"]
            for a in action if isinstance(action, list) else [action]:
                actions[a] = statement["Resource"]
        self.assertEqual(
            sorted(actions),
            ["logs:CreateLogStream", "logs:PutLogEvents", "s3:GetObject", "s3:PutObject", "sns:Publish"],
        )
        list_key = {"Fn::Sub": "${InquiriesBucket.Arn}/recipients.txt"}
        self.assertEqual(
            actions["s3:PutObject"],
            [{"Fn::Sub": "${InquiriesBucket.Arn}/inquiries/*"}, list_key],
        )
        # It reads the recipient list, and nothing it stored.
        self.assertEqual(actions["s3:GetObject"], list_key)

    def test_the_role_may_only_create_never_overwrite(self):
        # S3 refuses a PutObject without If-None-Match from this role: the `Null` condition on
        # `s3:if-none-match` being "false" means the header must be there.
        puts = [s for s in self.statements() if s["Action"] == "s3:PutObject"]
        self.assertEqual(len(puts), 1)
        self.assertEqual(puts[0].get("Condition"), {"Null": {"s3:if-none-match": "false"}})

    def test_sns_publish_is_allowed_on_the_staff_topic_only(self):
        publish = [s for s in self.statements() if s["Action"] == "sns:Publish"]
        self.assertEqual(len(publish), 1)
        self.assertEqual(publish[0]["Resource"], {"Ref": "StaffTopic"})
        self.assertEqual(self.resources["StaffTopic"]["Type"], "AWS::SNS::Topic")

    def test_the_function_publishes_to_that_topic(self):
        env = self.resources["IntakeFunction"]["Properties"]["Environment"]["Variables"]
        self.assertEqual(env["NALUGA_NOTIFY_SNS_TOPIC_ARN"], {"Ref": "StaffTopic"})
        self.assertEqual(env["NALUGA_NOTIFY_LANGUAGE"], {"Ref": "NotifyLanguage"})

    def test_staff_email_subscribes_only_when_given(self):
        subscription = self.resources["StaffEmailSubscription"]
        self.assertEqual(subscription["Condition"], "HasStaffEmail")
        self.assertEqual(subscription["Properties"]["Protocol"], "email")
        self.assertEqual(subscription["Properties"]["TopicArn"], {"Ref": "StaffTopic"})
        self.assertEqual(self.template["Parameters"]["StaffEmail"]["Default"], "")

    def test_webhook_secrets_are_not_echoed(self):
        parameters = self.template["Parameters"]
        for name in ["NotifyWebhookUrl", "NotifyWebhookSecret", "R2AccessKeyId", "R2SecretAccessKey"]:
            self.assertTrue(parameters[name].get("NoEcho"), name)
        self.assertEqual(
            parameters["NotifyWebhookFormat"]["AllowedValues"],
            ["", "wecom", "feishu", "dingtalk", "slack", "json"],
        )


if __name__ == "__main__":
    unittest.main(verbosity=1)
