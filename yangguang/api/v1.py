"""The /api/v1/ NinjaAPI instance; routers are added per resource."""

from ninja import NinjaAPI

api = NinjaAPI(title="阳光社区 API", version="1", urls_namespace="api-v1")
