from tests.factories import make_case


def test_operator_logs_case_and_lists_it(org, login_as, session):
    client = login_as(org.operator)
    case = make_case(org.operator, department=org.qa)
    session.commit()
    response = client.get("/cases/")
    assert response.status_code == 200
    assert case.ref in response.get_data(as_text=True)
